import { join } from "node:path";
import { jsonText } from "@switchyard/core";
import {
  loadScenario,
  policiesNamed,
  renderSummaryTable,
  reportFiles,
  reportOf,
  simulate,
  summaryJson,
} from "@switchyard/sim";
import type { CliIo } from "../io.ts";
import { progressBar } from "../render/progress-bar.ts";

export type SimulateOutput = "table" | "json";

export interface SimulateCommandOptions {
  readonly scenario: string;
  readonly policies?: readonly string[];
  readonly out?: string;
  readonly output: SimulateOutput;
}

/**
 * `switchyard simulate`: replays a scenario through every policy, writes the report folder
 * (report.md, summary.json, timeline.csv, charts) and prints the comparison.
 */
export async function simulateCommand(io: CliIo, options: SimulateCommandOptions): Promise<void> {
  const scenario = await loadScenario(options.scenario, io.readFile);
  const policies = policiesNamed(options.policies ?? []);
  const out = options.out ?? join("out", scenario.name);
  await io.prepareFolder(out);
  const bar = io.isTty
    ? progressBar(
        io,
        policies.map((p) => p.name),
      )
    : null;
  const result = await simulate(scenario, policies, (policy, fraction) => bar?.update(policy, fraction));
  bar?.done();
  const report = reportOf(result);
  for await (const [name, content] of reportFiles(report)) {
    await io.writeFile(join(out, name), content);
  }
  if (options.output === "json") {
    io.stdout(jsonText(summaryJson(report)));
    return;
  }
  io.stdout(`${renderSummaryTable(report)}report: ${join(out, "report.md")}\n`);
}
