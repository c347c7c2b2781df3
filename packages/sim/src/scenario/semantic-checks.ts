import type { RawIssue } from "@switchyard/core";
import { DAY, formatDuration, MINUTE, parseDuration, parseRfc3339 } from "@switchyard/core";

type Raw = Record<string, unknown>;

/** Longer runs are not refused for any deep reason; a month is far beyond what a laptop run needs. */
const LONGEST_RUN_MS = 31 * DAY;

const isObject = (value: unknown): value is Raw =>
  value !== null && typeof value === "object" && !Array.isArray(value);
const listOf = (value: unknown): readonly unknown[] => (Array.isArray(value) ? value : []);
const durationOf = (value: unknown): number | null =>
  typeof value === "string" ? parseDuration(value) : null;

/** An instant (offset or RFC 3339 time) as milliseconds from `start`, or null when it cannot be read. */
export function offsetOf(value: unknown, start: number | null): number | null {
  if (typeof value !== "string") {
    return null;
  }
  const offset = parseDuration(value);
  if (offset !== null) {
    return offset;
  }
  const at = parseRfc3339(value);
  return start === null || at === null ? null : at - start;
}

/**
 * Rules across fields that the schema cannot express. They run on the raw document even
 * when the schema found problems, so one pass reports every error in the file.
 */
export function scenarioIssues(document: unknown): RawIssue[] {
  if (!isObject(document)) {
    return [];
  }
  const issues: RawIssue[] = [];
  const start = typeof document.start === "string" ? parseRfc3339(document.start) : null;
  const length = durationOf(document.duration);
  const step = document.step === undefined ? MINUTE : durationOf(document.step);

  if (step !== null && step > 0 && (step > MINUTE || MINUTE % step !== 0)) {
    issues.push({
      path: ["step"],
      message: `must divide one minute evenly (e.g. 10s, 15s, 30s or 60s): metrics are per minute (got ${formatDuration(step)})`,
    });
  }
  if (length !== null && length > LONGEST_RUN_MS) {
    issues.push({ path: ["duration"], message: `must be at most 31d (got ${formatDuration(length)})` });
  }
  if (length !== null && length % MINUTE !== 0) {
    issues.push({ path: ["duration"], message: "must be a whole number of minutes" });
  }
  issues.push(...demandIssues(document.demand, start));
  listOf(document.capacity).forEach((event, index) => {
    if (isObject(event)) {
      issues.push(...capacityIssues(event, ["capacity", index], start, length));
    }
  });
  return issues;
}

function demandIssues(demand: unknown, start: number | null): RawIssue[] {
  if (!isObject(demand)) {
    return [];
  }
  const issues: RawIssue[] = [];
  if (demand.shape === "cosine" && typeof demand.min === "number" && typeof demand.max === "number") {
    if (demand.max < demand.min) {
      issues.push({
        path: ["demand", "max"],
        message: `must be at least demand.min (${demand.min}): the peak cannot be below the trough (got ${demand.max})`,
      });
    }
  }
  if (demand.shape === "steps") {
    let previous: number | null = null;
    listOf(demand.steps).forEach((step, index) => {
      if (!isObject(step)) {
        return;
      }
      const at = offsetOf(step.from, start);
      if (at === null) {
        return;
      }
      if (index === 0 && at !== 0) {
        issues.push({
          path: ["demand", "steps", 0, "from"],
          message: "must be 0s (or the start time): the first step sets the demand from the start",
        });
      }
      if (previous !== null && at <= previous) {
        issues.push({
          path: ["demand", "steps", index, "from"],
          message: "must be later than the step before it: steps are listed in time order",
        });
      }
      previous = at;
    });
  }
  return issues;
}

function capacityIssues(
  event: Raw,
  at: readonly PropertyKey[],
  start: number | null,
  length: number | null,
): RawIssue[] {
  const issues: RawIssue[] = [];
  const from = offsetOf(event.from, start);
  const to = offsetOf(event.to, start);
  if (from !== null && to !== null && to <= from) {
    issues.push({
      path: [...at, "to"],
      message: `must be later than from (${String(event.from)}): a window needs a length`,
    });
  }
  if (from !== null && length !== null && (from >= length || from < 0)) {
    issues.push({
      path: [...at, "from"],
      message: `must fall inside the run (0s to ${formatDuration(length)} after start)`,
    });
  }
  const repeat = isObject(event.repeat) ? event.repeat : null;
  const every = repeat === null ? null : durationOf(repeat.every);
  if (every !== null && from !== null && to !== null && to > from && every <= to - from) {
    issues.push({
      path: [...at, "repeat", "every"],
      message: `must be longer than the window (${formatDuration(to - from)}) so the repeats do not overlap`,
    });
  }
  return issues;
}
