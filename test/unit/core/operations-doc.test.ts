import { describe, expect, it } from "vitest";
import { HEDGE_DEFAULTS, POLICY_DEFAULTS } from "../../../packages/core/src/config/policy-schema.ts";
import { holdRemovalCommand } from "../../../packages/core/src/manifests/annotations.ts";
import { readRepoFile } from "../../support/paths.ts";

describe("Docs: docs/operations.md", () => {
  it("lists every policy field with the default the schema applies", () => {
    const doc = readRepoFile("docs/operations.md");
    // A number, or a word in backticks (an enum such as lossResponse).
    const rows = new Map(
      [...doc.matchAll(/^\| `(\w+)` \| (?:(\d+(?:\.\d+)?)|`(\w+)`) \|/gm)].map(
        (m) => [m[1], m[2] === undefined ? m[3] : Number(m[2])] as const,
      ),
    );
    expect(Object.fromEntries(rows)).toEqual(POLICY_DEFAULTS);
    const hedge = /^\| `hedge\.maxLossShare` \| (\d+(?:\.\d+)?) \|/m.exec(doc);
    expect(Number(hedge?.[1])).toBe(HEDGE_DEFAULTS.maxLossShare);
  });

  it.each(["README.md", "docs/operations.md", "docs/decision-policy.md"])(
    "gives the hand-fix for a stuck hold in %s as rollback does: both annotations",
    (file) => {
      const doc = readRepoFile(file);
      const fixes = [...doc.matchAll(/kubectl annotate scaledobject [^`]*paused-replicas-[^`]*/g)].map(
        (m) => m[0],
      );
      for (const fix of fixes) {
        expect(fix).toBe(holdRemovalCommand("<name>", "<namespace>"));
      }
    },
  );
});
