/**
 * Errors are values with names: each says what was wrong, where, and what to do.
 * `code` is stable (alerts, logs and the workflow's Catch match on it); `name` is
 * the class name, which Step Functions sees as the error type. Each class spells its
 * `name` as a literal: a minified bundle renames classes, so `new.target.name` would
 * hand the workflow's Retry and Catch a name like `e` (test/integration/functions/bundle-error-names.test.ts).
 */
export class SwitchyardError extends Error {
  override name = "SwitchyardError";
  readonly code: string;

  constructor(message: string, options: { code: string; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
  }
}

/** One problem in a config or scenario file, located by its path in the document. */
export interface ConfigIssue {
  /** Dotted path with array indices, e.g. `services[0].units[3].maxRps`; `(root)` for the whole file. */
  readonly path: string;
  readonly message: string;
  /** 1-based line and column in the source text, when the document could be located. */
  readonly line?: number;
  readonly column?: number;
}

export class ConfigError extends SwitchyardError {
  override name = "ConfigError";
  readonly issues: readonly ConfigIssue[];
  readonly source: string;

  constructor(source: string, issues: readonly ConfigIssue[]) {
    super(formatConfigIssues(source, issues), { code: "CONFIG_INVALID" });
    this.issues = issues;
    this.source = source;
  }
}

export function formatConfigIssues(source: string, issues: readonly ConfigIssue[], kind = "error"): string {
  const noun = issues.length === 1 ? kind : `${kind}s`;
  const lines = issues.map((issue) => {
    const where = issue.line === undefined ? source : `${source}:${issue.line}:${issue.column ?? 1}`;
    return `  ${where}  ${issue.path}: ${issue.message}`;
  });
  return [`${source}: ${issues.length} ${noun}`, ...lines].join("\n");
}

/** `validate`'s warnings: the same layout as errors, headed `<file>: N warnings`. */
export function formatConfigWarnings(source: string, warnings: readonly ConfigIssue[]): string {
  return formatConfigIssues(source, warnings, "warning");
}

/** A plan or patch was asked for something the inputs cannot give (unknown unit, missing trigger). */
export class PlanningError extends SwitchyardError {
  override name = "PlanningError";
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: "PLANNING_FAILED", ...options });
  }
}

/** An object read from the cluster is not in the shape Switchyard needs to patch it safely. */
export class ManifestError extends SwitchyardError {
  override name = "ManifestError";
  readonly object: string;

  constructor(object: string, message: string, options: { cause?: unknown } = {}) {
    super(`${object}: ${message}`, { code: "MANIFEST_INVALID", ...options });
    this.object = object;
  }
}

/**
 * A state of the step table met data it cannot work on: a Choice or ResultSelector path
 * that is absent, a Wait that is not a whole number of seconds. Step Functions reports
 * this as `States.Runtime` and fails the execution at once: no Retry or Catch (States.ALL
 * included) matches it (Step Functions developer guide, "Error names").
 */
export class WorkflowRuntimeError extends SwitchyardError {
  override name = "WorkflowRuntimeError";
  constructor(state: string, problem: string) {
    super(`state ${state}: ${problem}; fix the step table or the step that wrote the state`, {
      code: "WORKFLOW_RUNTIME",
    });
  }
}
