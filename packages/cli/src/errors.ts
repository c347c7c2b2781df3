import { SwitchyardError } from "@switchyard/core";

/** Bad flags or arguments: the CLI prints the message and the usage, and exits 2. */
export class UsageError extends SwitchyardError {
  override name = "UsageError";
  constructor(message: string) {
    super(message, { code: "USAGE" });
  }
}

/** A file the user named cannot be read. */
export class InputFileError extends SwitchyardError {
  override name = "InputFileError";
  constructor(path: string, cause: unknown) {
    const reason =
      (cause as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (cause as Error).message;
    super(`cannot read ${path}: ${reason}`, { code: "INPUT_FILE", cause });
  }
}

/** A folder the user named for output cannot be created (a file is in the way, no permission). */
export class OutputFolderError extends SwitchyardError {
  override name = "OutputFolderError";
  constructor(path: string, cause: unknown) {
    const code = (cause as NodeJS.ErrnoException).code;
    const reason =
      code === "EEXIST" || code === "ENOTDIR"
        ? `${code === "EEXIST" ? path : "a part of it"} is a file, not a folder`
        : code === "EACCES" || code === "EPERM" || code === "EROFS"
          ? "permission denied"
          : (cause as Error).message;
    super(`cannot write the report to ${path}: ${reason}; pass --out a new or existing folder`, {
      code: "OUTPUT_FOLDER",
      cause,
    });
  }
}

/**
 * What a live command reads or writes cannot be reached: no AWS credentials, no deployed
 * stack, the EKS cluster or Step Functions unreachable or refusing. The CLI exits 3.
 */
export class UnreachableError extends SwitchyardError {
  override name = "UnreachableError";
  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? { code: "UNREACHABLE" } : { code: "UNREACHABLE", cause });
  }
}
