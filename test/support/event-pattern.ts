import type { EventPattern, PatternValue } from "../../packages/core/src/signals/event-patterns.ts";

/**
 * An EventBridge pattern matcher with the semantics of aws/event-ruler for the parts
 * Switchyard's rules use: every field named must match; a leaf matches when any listed
 * value (exact, `prefix`, `exists`) matches any of the event's values there, an event
 * array counting as its elements (intersection); a nested pattern over an event array of
 * objects matches when one element matches all of it (event-ruler's array consistency).
 * Anything else (numeric, anything-but, wildcard, $or) is refused rather than guessed.
 */
export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  return Object.entries(pattern).every(([field, sub]) => {
    if (field.startsWith("$")) {
      throw new Error(`the test matcher does not implement ${field}`);
    }
    const value = isObject(event) ? event[field] : undefined;
    return Array.isArray(sub)
      ? matchesLeaf(sub as readonly PatternValue[], value)
      : matchesNested(sub as EventPattern, value);
  });
}

function matchesNested(pattern: EventPattern, value: unknown): boolean {
  if (Array.isArray(value)) {
    return value.some((element) => matchesNested(pattern, element));
  }
  return isObject(value) && matchesPattern(pattern, value);
}

/** The scalar values at a leaf: an array's elements (nested arrays flattened); objects are not leaves. */
function leafValues(value: unknown): unknown[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value.flatMap(leafValues);
  return isObject(value) ? [] : [value];
}

function matchesLeaf(conditions: readonly PatternValue[], value: unknown): boolean {
  const values = leafValues(value);
  return conditions.some((condition) => {
    if (condition === null || typeof condition !== "object") {
      return values.some((v) => v === condition);
    }
    const operators = Object.keys(condition);
    if (operators.length !== 1) {
      throw new Error(`a pattern condition has exactly one operator, got ${JSON.stringify(condition)}`);
    }
    const c = condition as Record<string, unknown>;
    if ("prefix" in c && typeof c.prefix === "string") {
      const prefix = c.prefix;
      return values.some((v) => typeof v === "string" && v.startsWith(prefix));
    }
    if ("exists" in c && typeof c.exists === "boolean") {
      return c.exists === values.length > 0;
    }
    throw new Error(`the test matcher does not implement ${JSON.stringify(condition)}`);
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
