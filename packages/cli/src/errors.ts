import { SwitchyardError } from "@switchyard/core";
import { percent } from "./render/numbers.ts";

/** Bad flags or arguments: the CLI prints the message and the usage, and exits 2. */
export class UsageError extends SwitchyardError {
  override name = "UsageError";
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { ...options, code: "USAGE" });
  }
}

/** A file the user named cannot be read; the message is `unreadableFile(path, cause)`. */
export class InputFileError extends SwitchyardError {
  override name = "InputFileError";
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { ...options, code: "INPUT_FILE" });
  }
}

/** `cannot read x.yaml: no such file`, or the reason the read failed. */
export function unreadableFile(path: string, cause: unknown): string {
  const reason =
    (cause as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (cause as Error).message;
  return `cannot read ${path}: ${reason}`;
}

/** Which output a folder was for, as the message names it: `simulate --out` by default. */
interface OutputFolderUse {
  readonly flag: string;
  readonly what: string;
}

/**
 * A folder the user named for output cannot be created (a file is in the way, no
 * permission); the message is `unwritableFolder(path, cause, use)`.
 */
export class OutputFolderError extends SwitchyardError {
  override name = "OutputFolderError";
  readonly path: string;
  constructor(message: string, options: ErrorOptions & { readonly path: string }) {
    super(message, { ...options, code: "OUTPUT_FOLDER" });
    this.path = options.path;
  }
}

/** Why `path` cannot hold the output, and which flag to change: `simulate --out` by default. */
export function unwritableFolder(
  path: string,
  cause: unknown,
  use: OutputFolderUse = { flag: "--out", what: "the report" },
): string {
  const code = (cause as NodeJS.ErrnoException).code;
  const reason =
    code === "EEXIST" || code === "ENOTDIR"
      ? `${code === "EEXIST" ? path : "a part of it"} is a file, not a folder`
      : code === "EACCES" || code === "EPERM" || code === "EROFS"
        ? "permission denied"
        : (cause as Error).message;
  return `cannot write ${use.what} to ${path}: ${reason}; pass ${use.flag} a new or existing folder`;
}

/** What one mode of one service's plan cannot serve. */
interface PlanShortfall {
  readonly service: string;
  readonly mode: string;
  readonly demandRps: number;
  readonly headroom: number;
  readonly shortfallRps: number;
}

/**
 * `plan` at a demand some mode cannot serve even with every unit at `maxReplicaCount`: the
 * plan is printed, then the CLI names what falls short (`infeasiblePlan(shortfalls)`) and
 * exits 3 (`EXIT.infeasible`).
 */
export class PlanInfeasibleError extends SwitchyardError {
  override name = "PlanInfeasibleError";
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { ...options, code: "PLAN_INFEASIBLE" });
  }
}

/** What each mode falls short by, and what to change. */
export function infeasiblePlan(shortfalls: readonly PlanShortfall[]): string {
  const rps = (value: number) => Number(value.toFixed(1)).toLocaleString("en-US");
  const what = shortfalls
    .map(
      (s) =>
        `${s.service} ${s.mode} mode is short by ${rps(s.shortfallRps)} RPS at ${rps(s.demandRps)} RPS demand plus ${percent(s.headroom)} headroom`,
    )
    .join("; ");
  return `the plan is infeasible: ${what}, with every unit at its maxReplicaCount; raise maxReplicaCount or maxRps, add a unit, or plan for less demand`;
}

/** A load-test CSV that cannot be used: every bad row, with its line (`loadTestProblems(path, problems)`). */
export class LoadTestFileError extends SwitchyardError {
  override name = "LoadTestFileError";
  readonly problems: readonly string[];
  constructor(message: string, options: ErrorOptions & { readonly problems: readonly string[] }) {
    super(message, { ...options, code: "INPUT_FILE" });
    this.problems = options.problems;
  }
}

/** `t.csv: 2 problems:` and the first 20, one a line. */
export function loadTestProblems(path: string, problems: readonly string[]): string {
  const shown = problems.slice(0, 20);
  const more = problems.length - shown.length;
  return `${path}: ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n${shown.map((p) => `  ${p}`).join("\n")}${more > 0 ? `\n  … and ${more} more` : ""}`;
}

/** A load test that did not find every unit's breaking point: the results are printed, the run fails. */
export class NoBreakingPointError extends SwitchyardError {
  override name = "NoBreakingPointError";
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { ...options, code: "NO_BREAKING_POINT" });
  }
}

/**
 * A live command that would go against the service's state: a switch is running, a pin
 * holds the other mode, nothing runs to abort. The CLI prints why and what to do instead,
 * and exits 5 (`EXIT.refused`); nothing was changed.
 */
export class RefusedError extends SwitchyardError {
  override name = "RefusedError";
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { ...options, code: "REFUSED" });
  }
}

/**
 * What a live command reads or writes cannot be reached: no AWS credentials, no deployed
 * stack, the EKS cluster or Step Functions unreachable or refusing. The CLI exits 4 (`EXIT.unreachable`).
 */
export class UnreachableError extends SwitchyardError {
  override name = "UnreachableError";
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { ...options, code: "UNREACHABLE" });
  }
}
