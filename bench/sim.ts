// `npm run bench:sim`: runs every bundled scenario through all five policies and prints
// each comparison table — with the floor, the lower bound and each policy's cost above the
// floor as a ratio to the bound's — and the wall time of the run (and, apart, of drawing
// the report's charts). A benchmark, not a test: it prints figures and never fails on them.
// The target is the two-day scale-inf2-outage scenario (the headline case) for all five
// policies in under 5 s of simulation on a laptop. A full run whose bound a policy breaks
// is listed at the end: that is a bug in the bound or the simulator.
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
const headline = "scale-inf2-outage";
const targetSeconds = 5;
// Every example's scenarios: examples/<service>/scenarios/*.yaml.
const files: string[] = [];
for (const example of (await readdir(`${root}examples`, { withFileTypes: true })).filter((e) =>
  e.isDirectory(),
)) {
  const folder = `examples/${example.name}/scenarios`;
  const names = await readdir(`${root}${folder}`).catch(() => [] as string[]);
  files.push(
    ...names
      .filter((f) => f.endsWith(".yaml"))
      .sort()
      .map((f) => `${folder}/${f}`),
  );
}
const read = (path: string) => readFile(path.startsWith("/") ? path : `${root}${path}`, "utf8");

const broken: string[] = [];
let headlineSeconds: number | null = null;
let headlineCpuSeconds: number | null = null;
for (const file of files) {
  const scenario = await loadScenario(file, read);
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const result = await simulate(scenario, policiesNamed());
  const cpu = process.cpuUsage(cpuBefore);
  const simulated = performance.now();
  const report = reportOf(result);
  await reportFiles(report);
  const rendered = performance.now();
  const steps = Math.round((scenario.end - scenario.start) / scenario.stepMs);
  const seconds = (simulated - started) / 1000;
  // CPU time too: on a shared machine the wall time also counts other processes' turns.
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  if (scenario.name === headline) {
    headlineSeconds = seconds;
    headlineCpuSeconds = cpuSeconds;
  }
  if (report.reference.boundBrokenBy.length > 0) {
    broken.push(`${scenario.name}: ${report.reference.boundBrokenBy.join(", ")}`);
  }
  process.stdout.write(renderSummaryTable(report));
  process.stdout.write(
    `wall time: ${seconds.toFixed(2)} s (CPU ${cpuSeconds.toFixed(2)} s) to simulate ${steps} steps × ${result.policies.length} policies (${result.policies
      .map((p) => `${p.name} ${(p.wallMs / 1000).toFixed(2)} s`)
      .join(
        ", ",
      )}); ${((rendered - simulated) / 1000).toFixed(2)} s to build the report and draw its charts\n\n`,
  );
}
if (headlineSeconds !== null) {
  process.stdout.write(
    `${headline}: ${headlineSeconds.toFixed(2)} s wall, ${(headlineCpuSeconds ?? 0).toFixed(2)} s CPU to simulate all policies (target: under ${targetSeconds} s)\n`,
  );
}
process.stdout.write(
  broken.length === 0
    ? "lower bound: no policy served every request for less, on any scenario\n"
    : `LOWER BOUND BROKEN on ${broken.join("; ")}\n`,
);
process.stdout.write(`node ${process.version}\n`);
