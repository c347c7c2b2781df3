/** `["services", 0, "units", 3, "maxRps"]` → `services[0].units[3].maxRps`. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") {
      out += `[${segment}]`;
    } else {
      const key = String(segment);
      const plain = /^[A-Za-z0-9_$-]+$/.test(key);
      out += plain ? (out === "" ? key : `.${key}`) : `[${JSON.stringify(key)}]`;
    }
  }
  return out === "" ? "(root)" : out;
}

/** The value at `path` in a loosely typed document, or undefined where the path leaves it. */
export function valueAt(document: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = document;
  for (const segment of path) {
    if (current === null || typeof current !== "object") {
      return undefined;
    }
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}
