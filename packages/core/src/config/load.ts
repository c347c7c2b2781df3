import { type Document, isMap, isNode, isPair, isScalar, LineCounter, parseDocument, visit } from "yaml";
import type { z } from "zod";
import { ConfigError, type ConfigIssue, formatConfigIssues } from "../errors.ts";
import { configWarnings } from "./config-warnings.ts";
import { formatIssuePath, valueAt } from "./issue-path.ts";
import { CAPACITY_TYPES, type CapacityType, type ParsedConfig, SwitchyardConfigSchema } from "./schema.ts";
import { type RawIssue, semanticIssues } from "./semantic-checks.ts";
import type { DeploymentUnit, InferenceService, SwitchyardConfig } from "./types.ts";

export type ValidationResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly issues: readonly ConfigIssue[] };

/**
 * How many copies of anchored nodes alias references may expand to (the `yaml` library's
 * `maxAliasCount`: each alias counts the aliases inside its anchor). Past it, a file is an
 * alias bomb ("billion laughs") that would exhaust memory, and is refused.
 */
export const MAX_YAML_ALIAS_COUNT = 100;

/**
 * How config and scenario files are parsed: YAML 1.2 with the merge key `<<` (YAML 1.1's
 * merge type, which Kubernetes manifests and docker-compose files use to share a block),
 * and every key of a map once.
 */
const YAML_OPTIONS = { prettyErrors: false, merge: true } as const;

/**
 * Parses and validates a YAML document against a zod schema plus cross-field checks,
 * reporting every problem at once with its path and line. Shared by config and scenario files.
 */
export function validateYaml<S extends z.ZodType>(
  text: string,
  schema: S,
  crossFieldIssues: (document: unknown) => RawIssue[] = () => [],
): ValidationResult<z.output<S>> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { ...YAML_OPTIONS, lineCounter, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      issues: doc.errors.map((error) => {
        const at = lineCounter.linePos(error.pos[0]);
        return { path: "(root)", message: `not valid YAML: ${error.message.split("\n")[0]}`, ...located(at) };
      }),
    };
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_YAML_ALIAS_COUNT });
  } catch (error) {
    // yaml throws a ReferenceError when expanding aliases would pass maxAliasCount, or
    // when an alias names no anchor set before it.
    if (error instanceof ReferenceError && /^Excessive alias count/.test(error.message)) {
      return { ok: false, issues: [{ path: "(root)", message: aliasLimitMessage(doc, lineCounter) }] };
    }
    const unresolved =
      error instanceof ReferenceError ? /^Unresolved alias.*: (.*)$/.exec(error.message) : null;
    if (unresolved !== null) {
      const name = unresolved[1] ?? "";
      return {
        ok: false,
        issues: [
          {
            path: "(root)",
            message: `not valid YAML: alias *${name} names no anchor set before it; define &${name} first`,
            ...located(aliasPosition(doc, lineCounter, name)),
          },
        ],
      };
    }
    throw error;
  }
  const parsed = schema.safeParse(raw);
  const raws: RawIssue[] = parsed.success ? [] : parsed.error.issues.flatMap((issue) => describe(issue, raw));
  raws.push(...crossFieldIssues(raw));
  if (raws.length === 0 && parsed.success) {
    return { ok: true, value: parsed.data };
  }
  const issues = dedupe(raws).map((issue) => ({
    path: formatIssuePath(issue.path),
    message: issue.message,
    ...locate(doc, lineCounter, issue.path),
  }));
  issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  return { ok: false, issues };
}

function aliasPosition(
  doc: Document,
  lineCounter: LineCounter,
  name: string,
): { line: number; col: number } | undefined {
  let at: { line: number; col: number } | undefined;
  visit(doc, {
    Alias(_key, node) {
      if (at === undefined && node.source === name && node.range !== undefined && node.range !== null) {
        at = lineCounter.linePos(node.range[0]);
      }
    },
  });
  return at;
}

function aliasLimitMessage(doc: Document, lineCounter: LineCounter): string {
  let aliases = 0;
  let first: { line: number; col: number } | undefined;
  visit(doc, {
    Alias(_key, node) {
      aliases += 1;
      if (first === undefined && node.range !== undefined && node.range !== null) {
        first = lineCounter.linePos(node.range[0]);
      }
    },
  });
  const where = first === undefined ? "" : ` (the first alias is at line ${first.line})`;
  return (
    `its ${aliases} YAML aliases${where} expand past the limit of ${MAX_YAML_ALIAS_COUNT} alias references, ` +
    "the guard against alias bombs; write the repeated values out instead of nesting aliases"
  );
}

/** Validates a config file's text; `source` names the file in messages. */
export function parseConfig(text: string): ValidationResult<SwitchyardConfig> {
  const result = validateYaml(text, SwitchyardConfigSchema, semanticIssues);
  return result.ok ? { ok: true, value: normalizeConfig(result.value) } : result;
}

/**
 * The warnings of a valid config (`configWarnings`), each with its path and, where the
 * text has it, its line: what `validate` prints before exiting 0.
 */
export function parseConfigWarnings(text: string, config: SwitchyardConfig): ConfigIssue[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { ...YAML_OPTIONS, lineCounter });
  return configWarnings(config).map((warning) => ({
    path: formatIssuePath(warning.path),
    message: warning.message,
    ...locate(doc, lineCounter, warning.path),
  }));
}

/** Like `parseConfig`, but throws a `ConfigError` listing every issue. */
export function loadConfig(text: string, source = "switchyard.yaml"): SwitchyardConfig {
  const result = parseConfig(text);
  if (!result.ok) {
    throw new ConfigError(formatConfigIssues(source, result.issues), { source, issues: result.issues });
  }
  return result.value;
}

function normalizeConfig(parsed: ParsedConfig): SwitchyardConfig {
  return {
    cluster: parsed.cluster,
    ...(parsed.alerts === undefined ? {} : { alerts: stripUndefined(parsed.alerts) }),
    services: parsed.services.map((service): InferenceService => {
      const { policy, units, ...rest } = service;
      return {
        ...stripUndefined(rest),
        units: units.map(
          ({ capacityType, ...unit }): DeploymentUnit => ({
            ...stripUndefined(unit),
            ...(capacityType === undefined ? {} : { capacityTypes: normalizedCapacityTypes(capacityType) }),
            service: { name: unit.service.name ?? unit.name, port: unit.service.port },
            deployment: unit.deployment ?? unit.name,
            scaledObject: {
              ...stripUndefined(unit.scaledObject),
              name: unit.scaledObject.name ?? unit.name,
            },
          }),
        ),
        policy: {
          ...parsed.policy,
          ...stripUndefined(policy ?? {}),
          hedge: { ...parsed.policy.hedge, ...stripUndefined(policy?.hedge ?? {}) },
        },
      };
    }),
  };
}

/** One capacity type or the NodePool's list, as a list in Karpenter's order of preference (spot first). */
function normalizedCapacityTypes(value: CapacityType | readonly CapacityType[]): readonly CapacityType[] {
  const given = typeof value === "string" ? [value] : value;
  return CAPACITY_TYPES.filter((type) => given.includes(type)).sort((a, b) =>
    a === "spot" ? -1 : b === "spot" ? 1 : 0,
  );
}

/** zod's optional fields come back as `undefined`; exactOptionalPropertyTypes wants them absent. */
function stripUndefined<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}

function describe(issue: z.core.$ZodIssue, raw: unknown): RawIssue[] {
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => ({
      path: [...issue.path, key],
      message: `unknown field "${key}": check its spelling against schema/switchyard.schema.json`,
    }));
  }
  const value = valueAt(raw, issue.path);
  if (value === undefined && issue.code === "invalid_type") {
    return [{ path: issue.path, message: `is required: ${issue.message.replace(/^must be /, "")}` }];
  }
  const shown = typeof value === "number" || typeof value === "boolean" ? ` (got ${value})` : "";
  const shownString = typeof value === "string" ? ` (got "${value}")` : "";
  return [{ path: issue.path, message: `${issue.message}${shown}${shownString}` }];
}

function dedupe(issues: readonly RawIssue[]): RawIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${formatIssuePath(issue.path)}\u0000${issue.message}`;
    if (seen.has(key)) {
      return false;
    }
    seen.add(key);
    return true;
  });
}

function located(at: { line: number; col: number } | undefined): { line?: number; column?: number } {
  return at === undefined ? {} : { line: at.line, column: at.col };
}

/** The line of the deepest node along `path` that exists in the document. */
function locate(
  doc: Document,
  lineCounter: LineCounter,
  path: readonly PropertyKey[],
): { line?: number; column?: number } {
  for (let depth = path.length; depth >= 0; depth -= 1) {
    const prefix = path.slice(0, depth);
    const node = prefix.length === 0 ? doc.contents : doc.getIn(prefix, true);
    const keyNode = depth > 0 ? keyNodeAt(doc, prefix) : undefined;
    const target = keyNode ?? node;
    if (isNode(target) && target.range !== undefined && target.range !== null) {
      return located(lineCounter.linePos(target.range[0]));
    }
  }
  return {};
}

/** For a path ending in a map key, the key's node (errors read best at `key:`). */
function keyNodeAt(doc: Document, path: readonly PropertyKey[]): unknown {
  const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
  const last = path[path.length - 1];
  if (!isMap(parent) || typeof last !== "string") {
    return undefined;
  }
  const pair = parent.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === last);
  return pair === undefined ? undefined : pair.key;
}
