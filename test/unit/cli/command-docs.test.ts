import { describe, expect, it } from "vitest";
import { runSwitchyard } from "../../support/cli.ts";
import { readRepoFile } from "../../support/paths.ts";

const DOCS = ["README.md", "docs/operations.md", "docs/planning.md"];
/** The offline commands whose shown output must be verbatim; status and pin are in operator-docs.test.ts. */
const CHECKED = /^\$ npx switchyard (calibrate|plan) /;

/** Every fenced text block that starts with `$ npx switchyard calibrate …` or `plan …`: the command and what it printed. */
function shownRuns(file: string): { command: string; printed: string }[] {
  const runs: { command: string; printed: string }[] = [];
  for (const match of readRepoFile(file).matchAll(/```text\n([\s\S]*?)```/g)) {
    const block = match[1] ?? "";
    const newline = block.indexOf("\n");
    const command = block.slice(0, newline);
    if (CHECKED.test(command)) {
      runs.push({ command, printed: block.slice(newline + 1) });
    }
  }
  return runs;
}

describe("Docs: calibrate and plan examples", () => {
  const cases = DOCS.flatMap((file) =>
    shownRuns(file).map((run) => [file, run.command, run.printed] as const),
  );

  it("finds the calibrate examples of the README, operations.md and planning.md", () => {
    const calibrate = (file: string) =>
      cases.filter(([f, command]) => f === file && command.includes("calibrate")).length;
    expect(DOCS.map(calibrate)).toEqual([3, 1, 2]);
  });

  it.each(cases)("%s: `%s` shows the command's real output", async (_file, command, printed) => {
    // `> /dev/null`: the block shows what the command wrote to stderr, a plan that falls short (exit 3).
    const quiet = command.endsWith(" > /dev/null");
    const args = command.replace(/^\$ npx switchyard /, "").replace(/ > \/dev\/null$/, "");
    const run = await runSwitchyard(args.split(" "));
    expect(run.code).toBe(quiet ? 3 : 0);
    expect(printed).toBe(quiet ? run.stderr : run.stdout);
  });

  it("shows the README's infeasible plan as it is: the shortfall of both modes", () => {
    expect(
      cases.some(([file, command]) => file === "README.md" && command.endsWith("--demand 50000 > /dev/null")),
    ).toBe(true);
  });
});
