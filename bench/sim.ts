// `npm run bench:sim`: runs every bundled scenario through all five policies and prints
// each comparison table with the wall time of the run (and, apart, of drawing the report's
// charts). A benchmark, not a test: it prints figures and never fails on them. The target
// is the two-day inf2-outage scenario for all five policies in under 10 s on a laptop.
import { readdir, readFile } from "node:fs/promises";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import {
  loadScenario,
  policiesNamed,
  renderSummaryTable,
  reportFiles,
  reportOf,
  simulate,
} from "@switchyard/sim";

const root = fileURLToPath(new URL("..", import.meta.url));
const folder = "examples/sd21/scenarios";
const files = (await readdir(`${root}${folder}`)).filter((f) => f.endsWith(".yaml")).sort();
const read = (path: string) => readFile(path.startsWith("/") ? path : `${root}${path}`, "utf8");

for (const file of files) {
  const scenario = await loadScenario(`${folder}/${file}`, read);
  const started = performance.now();
  const result = await simulate(scenario, policiesNamed());
  const simulated = performance.now();
  const report = reportOf(result);
  await reportFiles(report);
  const rendered = performance.now();
  const steps = Math.round((scenario.end - scenario.start) / scenario.stepMs);
  process.stdout.write(renderSummaryTable(report));
  process.stdout.write(
    `wall time: ${((simulated - started) / 1000).toFixed(2)} s to simulate ${steps} steps × ${result.policies.length} policies (${result.policies
      .map((p) => `${p.name} ${(p.wallMs / 1000).toFixed(2)} s`)
      .join(
        ", ",
      )}); ${((rendered - simulated) / 1000).toFixed(2)} s to build the report and draw its charts\n\n`,
  );
}
process.stdout.write(`node ${process.version}\n`);
