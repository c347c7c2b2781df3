// `npm run bench:sim`: runs every bundled scenario through all five policies and prints
// each comparison table — with the floor, the lower bound and each policy's cost above the
// floor as a ratio to the bound's — the wall time of the simulation, of writing every
// report file (report.md, summary.json, timeline.csv, each chart as SVG and PNG, into a
// temporary folder, as `switchyard simulate` does), and the process's peak memory. Each
// scenario runs in a child process of its own, so its peak RSS is its own.
// A benchmark, not a test: it prints figures and never fails on them.
// Targets: the two-day scale-inf2-outage scenario (the headline case) simulated in under
// 5 s; the 31-day scale-month scenario (a month of a user's data) simulated and written in
// under 30 s wall and 1 GB peak RSS. A run whose bound a policy breaks is listed at the
// end: that is a bug in the bound or the simulator.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
const headline = { name: "scale-inf2-outage", seconds: 5 };
const month = { name: "scale-month", seconds: 30, rssMb: 1024 };
const read = (path: string) => readFile(path.startsWith("/") ? path : `${root}${path}`, "utf8");

/** What a child process reports after its table, as one JSON line. */
interface Measured {
  readonly name: string;
  readonly simulateSeconds: number;
  readonly cpuSeconds: number;
  readonly writeSeconds: number;
  readonly totalSeconds: number;
  readonly maxRssMb: number;
  readonly boundBrokenBy: readonly string[];
}
const MEASURED = "measured: ";

if (process.argv[2] === "--one") {
  await runOne(process.argv[3] as string, process.argv[4] as string);
} else {
  await runAll();
}

/** One scenario as `switchyard simulate` runs it: simulate, then write every report file. */
async function runOne(file: string, out: string): Promise<void> {
  const started = performance.now();
  const scenario = await loadScenario(`${folder}/${file}`, read);
  const cpuBefore = process.cpuUsage();
  const simulating = performance.now();
  const result = await simulate(scenario, policiesNamed());
  const cpu = process.cpuUsage(cpuBefore);
  const simulated = performance.now();
  const writeCpuBefore = process.cpuUsage();
  const report = reportOf(result);
  await mkdir(out, { recursive: true });
  for await (const [name, content] of reportFiles(report)) {
    await writeFile(join(out, name), content);
  }
  const written = performance.now();
  const writeCpu = process.cpuUsage(writeCpuBefore);
  const steps = Math.round((scenario.end - scenario.start) / scenario.stepMs);
  const seconds = (simulated - simulating) / 1000;
  // CPU time too: on a shared machine the wall time also counts other processes' turns.
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  process.stdout.write(renderSummaryTable(report));
  process.stdout.write(
    `wall time: ${seconds.toFixed(2)} s (CPU ${cpuSeconds.toFixed(2)} s) to simulate ${steps} steps × ${result.policies.length} policies (${result.policies
      .map((p) => `${p.name} ${(p.wallMs / 1000).toFixed(2)} s`)
      .join(
        ", ",
      )}); ${((written - simulated) / 1000).toFixed(2)} s (CPU ${((writeCpu.user + writeCpu.system) / 1e6).toFixed(2)} s) to build the report and write its files\n`,
  );
  const measured: Measured = {
    name: scenario.name,
    simulateSeconds: seconds,
    cpuSeconds,
    writeSeconds: (written - simulated) / 1000,
    totalSeconds: (written - started) / 1000,
    // resourceUsage's maxRSS is in kilobytes: the peak of this process, which ran this scenario alone.
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    boundBrokenBy: report.reference.boundBrokenBy,
  };
  process.stdout.write(`${MEASURED}${JSON.stringify(measured)}\n`);
}

async function runAll(): Promise<void> {
  const files = (await readdir(`${root}${folder}`)).filter((f) => f.endsWith(".yaml")).sort();
  const out = mkdtempSync(join(tmpdir(), "switchyard-bench-"));
  const broken: string[] = [];
  const all: Measured[] = [];
  try {
    for (const file of files) {
      const text = execFileSync(
        process.execPath,
        [fileURLToPath(import.meta.url), "--one", file, join(out, file)],
        { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, stdio: ["ignore", "pipe", "inherit"] },
      );
      const lines = text.trimEnd().split("\n");
      const last = lines.pop() ?? "";
      const measured = JSON.parse(last.slice(MEASURED.length)) as Measured;
      all.push(measured);
      process.stdout.write(
        `${lines.join("\n")}\nwhole run: ${measured.totalSeconds.toFixed(2)} s wall, peak RSS ${measured.maxRssMb.toFixed(0)} MB (one process: load, simulate, write every report file)\n\n`,
      );
      if (measured.boundBrokenBy.length > 0) {
        broken.push(`${measured.name}: ${measured.boundBrokenBy.join(", ")}`);
      }
      rmSync(join(out, file), { recursive: true, force: true });
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  const head = all.find((m) => m.name === headline.name);
  if (head !== undefined) {
    process.stdout.write(
      `${headline.name}: ${head.simulateSeconds.toFixed(2)} s wall, ${head.cpuSeconds.toFixed(2)} s CPU to simulate all policies (target: under ${headline.seconds} s)\n`,
    );
  }
  const long = all.find((m) => m.name === month.name);
  if (long !== undefined) {
    process.stdout.write(
      `${month.name}: ${long.totalSeconds.toFixed(2)} s wall and ${long.maxRssMb.toFixed(0)} MB peak RSS for 31 days of all policies with every report file written (target: under ${month.seconds} s and ${month.rssMb} MB)\n`,
    );
  }
  process.stdout.write(
    broken.length === 0
      ? "lower bound: no policy served every request for less, on any scenario\n"
      : `LOWER BOUND BROKEN on ${broken.join("; ")}\n`,
  );
  process.stdout.write(`node ${process.version}\n`);
}
