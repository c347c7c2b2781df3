import { describe, expect, it } from "vitest";
import { POLICY_DEFAULTS } from "../../../packages/core/src/config/schema.ts";
import { readRepoFile } from "../../support/paths.ts";

describe("Docs: docs/operations.md", () => {
  it("lists every policy field with the default the schema applies", () => {
    const doc = readRepoFile("docs/operations.md");
    const rows = new Map(
      [...doc.matchAll(/^\| `(\w+)` \| (\d+(?:\.\d+)?) \|/gm)].map((m) => [m[1], Number(m[2])] as const),
    );
    expect(Object.fromEntries(rows)).toEqual(POLICY_DEFAULTS);
  });
});
