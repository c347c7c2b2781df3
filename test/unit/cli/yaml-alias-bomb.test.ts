import { describe, expect, it } from "vitest";
import { MAX_YAML_ALIAS_COUNT } from "../../../packages/core/src/config/load.ts";
import { runSwitchyard } from "../../support/cli.ts";
import { readRepoFile } from "../../support/paths.ts";

/** "Billion laughs": nine levels of nine aliases each, 9^9 strings once expanded. */
const BOMB = [
  "lol0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]",
  ...Array.from({ length: 8 }, (_, i) => `lol${i + 1}: &l${i + 1} [${Array(9).fill(`*l${i}`).join(", ")}]`),
  "",
].join("\n");

const LIMIT = `expand past the limit of ${MAX_YAML_ALIAS_COUNT} alias references`;

describe("CLI: a YAML alias bomb", () => {
  it.each([["validate"], ["plan"], ["rbac"], ["workflow"]])(
    "exits 2 from %s naming the config file and the limit",
    async (command) => {
      const run = await runSwitchyard([command, "--config", "bomb.yaml"], { "bomb.yaml": BOMB });
      expect(run.code).toBe(2);
      expect(run.stdout).toBe("");
      expect(run.stderr).toBe(
        `bomb.yaml: 1 error\n  bomb.yaml  (root): its 72 YAML aliases (the first alias is at line 2) ${LIMIT}, ` +
          "the guard against alias bombs; write the repeated values out instead of nesting aliases\n",
      );
    },
  );

  it("exits 2 from simulate naming the scenario file and the limit", async () => {
    const run = await runSwitchyard(["simulate", "--scenario", "s/bomb.yaml"], { "s/bomb.yaml": BOMB });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      new RegExp(`^s/bomb.yaml: 1 error\\n  s/bomb.yaml  \\(root\\): its 72 YAML aliases .*${LIMIT}`),
    );
  });

  it("exits 2 from simulate naming the scenario's config file and the limit", async () => {
    const scenario = readRepoFile("test/fixtures/scenarios/short-outage.yaml").replace(
      "config: ../../../examples/sd21/switchyard.yaml",
      "config: bomb.yaml",
    );
    const run = await runSwitchyard(["simulate", "--scenario", "s/scenario.yaml"], {
      "s/scenario.yaml": scenario,
      "s/bomb.yaml": BOMB,
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `s/scenario.yaml:4:1  config: names a config that is not valid: s/bomb.yaml (root): its 72 YAML aliases`,
    );
    expect(run.stderr).toContain(LIMIT);
  });

  it("exits 2 naming the file and the line of an alias without an anchor", async () => {
    const run = await runSwitchyard(["validate", "--config", "typo.yaml"], {
      "typo.yaml": "cluster: &c { name: a, region: us-west-2 }\nservices: *svc\n",
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      "typo.yaml: 1 error\n  typo.yaml:2:11  (root): not valid YAML: alias *svc names no anchor set before it; define &svc first\n",
    );
  });
});
