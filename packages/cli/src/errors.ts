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
