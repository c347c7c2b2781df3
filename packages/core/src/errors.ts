/**
 * Errors are values with names: each says what was wrong, where, and what to do.
 *
 * One shape for every error class of every package, as Powertools for AWS Lambda
 * (TypeScript) writes its `errors.ts`: `new XError(message, options?)`, where the message
 * is the whole text a person reads and `options` carries `cause` and the class's own
 * stable fields (`issues`, `object`, `status`, …). `code` is stable (alerts, logs and the
 * workflow's Catch match on it); `name` is the class name, which Step Functions sees as
 * the error type. Each class spells its `name` as a literal: a minified bundle renames
 * classes, so `new.target.name` would hand the workflow's Retry and Catch a name like `e`
 * (test/integration/functions/bundle-error-names.test.ts).
 */
export interface SwitchyardErrorOptions extends ErrorOptions {
  readonly code: string;
  /**
   * Whether the same call may succeed if tried again (throttling, a 5xx, a conflict that
   * kept coming back). A step's runner hands such an error to the workflow as
   * `TransientError`, the one name its Retry waits and tries again on. False unless said.
   */
  readonly retryable?: boolean;
}

export class SwitchyardError extends Error {
  override name = "SwitchyardError";
  readonly code: string;
  readonly retryable: boolean;

  constructor(message: string, options: SwitchyardErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.retryable = options.retryable ?? false;
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

/**
 * A config or scenario file that cannot be used: every problem, located. The message is
 * `formatConfigIssues(source, issues)`.
 */
export class ConfigError extends SwitchyardError {
  override name = "ConfigError";
  readonly issues: readonly ConfigIssue[];
  readonly source: string;

  constructor(
    message: string,
    options: ErrorOptions & { readonly source: string; readonly issues: readonly ConfigIssue[] },
  ) {
    super(message, { ...options, code: "CONFIG_INVALID" });
    this.issues = options.issues;
    this.source = options.source;
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
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { ...options, code: "PLANNING_FAILED" });
  }
}

/**
 * An object read from the cluster is not in the shape Switchyard needs to patch it safely.
 * The message starts with the object, as `object` names it: `ScaledObject default/x: …`.
 */
export class ManifestError extends SwitchyardError {
  override name = "ManifestError";
  readonly object: string;

  constructor(message: string, options: ErrorOptions & { readonly object: string }) {
    super(message, { ...options, code: "MANIFEST_INVALID" });
    this.object = options.object;
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
  /** The state that met the data, or `(path)` for a path no state may use. */
  readonly state: string;

  constructor(message: string, options: ErrorOptions & { readonly state: string }) {
    super(message, { ...options, code: "WORKFLOW_RUNTIME" });
    this.state = options.state;
  }
}
