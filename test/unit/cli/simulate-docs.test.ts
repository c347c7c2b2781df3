import { describe, expect, it } from "vitest";
import { runSwitchyard } from "../../support/cli.ts";
import { readRepoFile } from "../../support/paths.ts";

/** `$ npm start` runs the package's start script: `switchyard simulate …`. */
function startArgs(): string[] {
  const start = (JSON.parse(readRepoFile("package.json")) as { scripts: { start: string } }).scripts.start;
  return start.replace(/^switchyard /, "").split(" ");
}

/** The README's fenced text blocks that show `npm start` or `npx switchyard simulate …`, with their arguments. */
function shownSimulations(): { command: string; args: string[]; printed: string }[] {
  const runs: { command: string; args: string[]; printed: string }[] = [];
  for (const match of readRepoFile("README.md").matchAll(/```text\n([\s\S]*?)```/g)) {
    const block = match[1] ?? "";
    const newline = block.indexOf("\n");
    const command = block.slice(0, newline);
    if (command === "$ npm start") {
      runs.push({ command, args: startArgs(), printed: block.slice(newline + 1) });
    } else if (command.startsWith("$ npx switchyard simulate ")) {
      runs.push({
        command,
        args: command.replace(/^\$ npx switchyard /, "").split(" "),
        printed: block.slice(newline + 1),
      });
    }
  }
  return runs;
}

describe("Docs: the README's simulate outputs", () => {
  const runs = shownSimulations();

  it("finds the npm start block, the Spot frontier's and the recorded-day block", () => {
    expect(runs.map((r) => r.command)).toEqual([
      "$ npm start",
      "$ npx switchyard simulate -f examples/sd21/scenarios/scale-inf2-reclaimed.yaml --hedge 0,0.05,0.1,0.25,0.5,1",
      "$ npx switchyard simulate -f examples/sd21/scenarios/recorded-day.yaml",
    ]);
  });

  it.each(runs.map((r) => [r.command, r] as const))(
    "`%s` shows the command's real output",
    async (_command, run) => {
      const result = await runSwitchyard(run.args);

      expect(result.code, result.stderr).toBe(0);
      expect(run.printed).toBe(result.stdout);
    },
    // The frontier block simulates two days eight times over (six budgets, three baselines): ~18 s idle, more on a busy machine.
    120_000,
  );
});
