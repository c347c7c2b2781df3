import { SwitchyardError } from "@switchyard/core";
import { percent } from "./render/numbers.ts";

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

/** Which output a folder was for, as the message names it: `simulate --out` by default. */
export interface OutputFolderUse {
  readonly flag: string;
  readonly what: string;
}

/** A folder the user named for output cannot be created (a file is in the way, no permission). */
export class OutputFolderError extends SwitchyardError {
  override name = "OutputFolderError";
  readonly path: string;
  constructor(path: string, cause: unknown, use: OutputFolderUse = { flag: "--out", what: "the report" }) {
    const code = (cause as NodeJS.ErrnoException).code;
    const reason =
      code === "EEXIST" || code === "ENOTDIR"
        ? `${code === "EEXIST" ? path : "a part of it"} is a file, not a folder`
        : code === "EACCES" || code === "EPERM" || code === "EROFS"
          ? "permission denied"
          : (cause as Error).message;
    super(`cannot write ${use.what} to ${path}: ${reason}; pass ${use.flag} a new or existing folder`, {
      code: "OUTPUT_FOLDER",
      cause,
    });
    this.path = path;
  }
}

/** What one mode of one service's plan cannot serve. */
export interface PlanShortfall {
  readonly service: string;
  readonly mode: string;
  readonly demandRps: number;
  readonly headroom: number;
  readonly shortfallRps: number;
}

/**
 * `plan` at a demand some mode cannot serve even with every unit at `maxReplicaCount`: the
 * plan is printed, then the CLI names what falls short and exits 3 (`EXIT.infeasible`).
 */
export class PlanInfeasibleError extends SwitchyardError {
  override name = "PlanInfeasibleError";
  constructor(shortfalls: readonly PlanShortfall[]) {
    const rps = (value: number) => Number(value.toFixed(1)).toLocaleString("en-US");
    const what = shortfalls
      .map(
        (s) =>
          `${s.service} ${s.mode} mode is short by ${rps(s.shortfallRps)} RPS at ${rps(s.demandRps)} RPS demand plus ${percent(s.headroom)} headroom`,
      )
      .join("; ");
    super(
      `the plan is infeasible: ${what}, with every unit at its maxReplicaCount; raise maxReplicaCount or maxRps, add a unit, or plan for less demand`,
      { code: "PLAN_INFEASIBLE" },
    );
  }
}

/** A load-test CSV that cannot be used: every bad row, with its line. */
export class LoadTestFileError extends SwitchyardError {
  override name = "LoadTestFileError";
  readonly problems: readonly string[];
  constructor(path: string, problems: readonly string[]) {
    const shown = problems.slice(0, 20);
    const more = problems.length - shown.length;
    super(
      `${path}: ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n${shown.map((p) => `  ${p}`).join("\n")}${more > 0 ? `\n  … and ${more} more` : ""}`,
      { code: "INPUT_FILE" },
    );
    this.problems = problems;
  }
}

/** A load test that did not find every unit's breaking point: the results are printed, the run fails. */
export class NoBreakingPointError extends SwitchyardError {
  override name = "NoBreakingPointError";
  constructor(message: string) {
    super(message, { code: "NO_BREAKING_POINT" });
  }
}

/**
 * What a live command reads or writes cannot be reached: no AWS credentials, no deployed
 * stack, the EKS cluster or Step Functions unreachable or refusing. The CLI exits 4 (`EXIT.unreachable`).
 */
export class UnreachableError extends SwitchyardError {
  override name = "UnreachableError";
  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? { code: "UNREACHABLE" } : { code: "UNREACHABLE", cause });
  }
}
