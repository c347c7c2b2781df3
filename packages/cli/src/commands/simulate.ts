import { join } from "node:path";
import { jsonText } from "@switchyard/core";
import {
  loadScenario,
  policiesNamed,
  renderFrontierTable,
  renderSummaryTable,
  reportFiles,
  reportOf,
  simulate,
  summaryJson,
  withHedgeFrontier,
} from "@switchyard/sim";
import type { CliIo } from "../io.ts";
import { progressBar } from "../render/progress-bar.ts";

type SimulateOutput = "table" | "json";

interface SimulateCommandOptions {
  readonly scenario: string;
  readonly policies?: readonly string[];
  readonly out?: string;
  readonly output: SimulateOutput;
  /** Risk budgets (policy.hedge.maxLossShare) to run Switchyard at as well: the cost–risk frontier. */
  readonly hedge?: readonly number[];
}

/**
 * `switchyard simulate`: replays a scenario through every policy, writes the report folder
 * (report.md, summary.json, timeline.csv, charts) and prints the comparison; with
 * `--hedge`, Switchyard again at each risk budget (the cost–risk frontier, printed after it
 * and charted as frontier.png).
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
  const simulated = await simulate(scenario, policies, (policy, fraction) => bar?.update(policy, fraction));
  const levels = options.hedge ?? [];
  const result =
    levels.length === 0
      ? simulated
      : await withHedgeFrontier(simulated, levels, (policy, fraction) => bar?.update(policy, fraction));
  bar?.done();
  const report = reportOf(result);
  for await (const [name, content] of reportFiles(report)) {
    await io.writeFile(join(out, name), content);
  }
  if (options.output === "json") {
    const summary = summaryJson(report);
    io.stdout(jsonText(report.frontier === undefined ? summary : { ...summary, frontier: report.frontier }));
    return;
  }
  const frontier =
    report.frontier === undefined ? "" : `\n${renderFrontierTable(scenario.name, report.frontier)}`;
  io.stdout(`${renderSummaryTable(report)}${frontier}report: ${join(out, "report.md")}\n`);
}
