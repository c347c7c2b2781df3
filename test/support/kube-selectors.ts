/**
 * Field and label selectors as the API server reads them from a LIST's query
 * (k8s.io/apimachinery/pkg/fields and pkg/labels): `a=b`, `a==b`, `a!=b`; labels
 * also `key`, `!key`, `key in (x,y)`, `key notin (x,y)`.
 */
export interface SelectorTerm {
  readonly key: string;
  readonly op: "=" | "!=" | "in" | "notin" | "exists" | "!exists";
  readonly values: readonly string[];
}

function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = "";
  for (const char of text) {
    if (char === "(") depth += 1;
    if (char === ")") depth -= 1;
    if (char === "," && depth === 0) {
      terms.push(current);
      current = "";
    } else {
      current += char;
    }
  }
  terms.push(current);
  return terms.map((t) => t.trim()).filter((t) => t !== "");
}

function equality(term: string): SelectorTerm | null {
  const match = /^([^!=\s]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
  if (match === null) {
    return null;
  }
  const [, key = "", op, value = ""] = match;
  return { key, op: op === "!=" ? "!=" : "=", values: [value] };
}

/** Throws `field label not supported: <key>` for a field the resource does not index, as the server does. */
export function parseFieldSelector(text: string, supported: readonly string[]): SelectorTerm[] {
  return splitTerms(text).map((term) => {
    const parsed = equality(term);
    if (parsed === null) {
      throw new Error(`invalid field selector: '${term}'; only "=", "==" and "!=" are supported`);
    }
    if (!supported.includes(parsed.key)) {
      throw new Error(`field label not supported: ${parsed.key}`);
    }
    return parsed;
  });
}

export function parseLabelSelector(text: string): SelectorTerm[] {
  return splitTerms(text).map((term) => {
    const set = /^([^\s!=()]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
    if (set !== null) {
      const [, key = "", op, values = ""] = set;
      return {
        key,
        op: op === "in" ? "in" : "notin",
        values: values
          .split(",")
          .map((v) => v.trim())
          .filter((v) => v !== ""),
      };
    }
    const parsed = equality(term);
    if (parsed !== null) {
      return parsed;
    }
    if (/^![^\s!=()]+$/.test(term)) {
      return { key: term.slice(1), op: "!exists", values: [] };
    }
    if (/^[^\s!=()]+$/.test(term)) {
      return { key: term, op: "exists", values: [] };
    }
    throw new Error(`unable to parse requirement: found '${term}'`);
  });
}

/** Whether an object whose values `lookup` reads satisfies every term (a missing field reads as ""). */
export function selects(
  terms: readonly SelectorTerm[],
  lookup: (key: string) => string | undefined,
): boolean {
  return terms.every((term) => {
    const value = lookup(term.key);
    switch (term.op) {
      case "=":
        return (value ?? "") === term.values[0];
      case "!=":
        return (value ?? "") !== term.values[0];
      case "in":
        return value !== undefined && term.values.includes(value);
      case "notin":
        return value === undefined || !term.values.includes(value);
      case "exists":
        return value !== undefined;
      // "!exists"
      default:
        return value === undefined;
    }
  });
}
