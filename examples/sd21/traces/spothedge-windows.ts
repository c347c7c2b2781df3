// Turns the SpotHedge artifact's per-zone AWS Spot availability traces into the per-zone
// capacity windows of a scenario file (`capacity:` entries with `zone`, `capacityType:
// spot` and `podsLost: true`). The spot-zones-*.yaml scenarios hold its output, not the
// traces: neither repository that publishes them has a license, so they are fetched,
// converted and left out of this repository.
//
// Source: github.com/MaoZiming/spothedge_ae at commit df02263c3c24e598bed93486b79feafdac49bf20
// (SpotHedge / SkyServe, EuroSys '25, arXiv 2411.01438), files
//   data/AWS3/us-west-2a_v100_1.json, data/AWS3/us-west-2b_v100_1.json, data/AWS3/us-west-2c_v100_1.json
// The same arrays are in github.com/skypilot-org/spot-traces at 221da1ab,
// availability/1-node/aws-02-15-2023/ ("Can't Be Late", NSDI '24), whose README says: a
// 2-month (45 days) availability trace started 02/15/2023, p3.2xlarge (1 V100), collected
// by pinging the cloud, each value the instances available at a tick.
//
// Fetch them (any folder; --data points at it):
//   for z in a b c; do curl -fsSLO "https://raw.githubusercontent.com/MaoZiming/spothedge_ae/df02263c3c24e598bed93486b79feafdac49bf20/data/AWS3/us-west-2${z}_v100_1.json"; done
// then, e.g.:
//   node examples/sd21/traces/spothedge-windows.ts --data <folder> --offset 4d --duration 4d
//
// Format: {"metadata": {"gap_seconds": G}, "data": [0|1, ...]}, one value per tick; 1 = a
// p3.2xlarge Spot instance could be obtained in the zone then, 0 = it could not. SpotHedge's
// simulator caps a zone's running Spot replicas at that value every tick
// (spothedge_ae utils/data_loader.py, "2-month"; policies/spot_policy.py `_step_spot`), so
// a 0 both blocks launches and takes the zone's running Spot pods: podsLost: true.
//
// Time step: the artifact's files say gap_seconds 300 (20,158 ticks = 70 days), the
// collector's copies 195 (45.5 days, its README's "45 days"); the default here is 195,
// the collector's (--gap-seconds 300 for the artifact's). Every run of 0s and of 1s is
// at least 3 ticks long, so window edges are good to about 3 ticks (10 minutes).
//
// A run of zeros at ticks i..j-1 is the window [i·G, j·G): from the first tick seen
// unavailable to the first seen available again, snapped outward to whole minutes. The
// trace's instance type (p3.2xlarge) is mapped onto the unit's (--instance-type): an
// assumption the scenario states. Windows are written as offsets from the scenario's
// start; statistics (how often zones are down together) go to stderr.

import { readFileSync } from "node:fs";
import { join } from "node:path";

const REPOSITORY = "MaoZiming/spothedge_ae";
const COMMIT = "df02263c3c24e598bed93486b79feafdac49bf20";
const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86400 };

interface Options {
  readonly data: string;
  readonly zones: readonly string[];
  readonly instanceType: string;
  readonly gapSeconds: number;
  readonly offset: number;
  readonly duration: number | null;
}

interface Window {
  readonly zone: string;
  readonly from: number;
  readonly to: number;
}

function seconds(text: string): number {
  if (!/^(\d+(s|m|h|d))+$/.test(text)) {
    throw new Error(`not a duration such as 90s, 15m, 2h, 4d: ${text}`);
  }
  let total = 0;
  for (const match of text.matchAll(/(\d+)(s|m|h|d)/g)) {
    total += Number(match[1]) * (UNIT_SECONDS[match[2] as string] ?? 0);
  }
  return total;
}

function duration(total: number): string {
  if (total === 0) {
    return "0s";
  }
  let left = Math.round(total);
  let out = "";
  for (const [unit, size] of [
    ["d", 86400],
    ["h", 3600],
    ["m", 60],
    ["s", 1],
  ] as const) {
    const n = Math.floor(left / size);
    if (n > 0) {
      out += `${n}${unit}`;
      left -= n * size;
    }
  }
  return out;
}

function options(argv: readonly string[]): Options {
  let data = ".";
  let zones = ["us-west-2a", "us-west-2b", "us-west-2c"];
  let instanceType = "inf2.xlarge";
  let gapSeconds = 195;
  let offset = 0;
  let length: number | null = null;
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (value === undefined) {
      throw new Error(`${flag} needs a value`);
    }
    i += 1;
    switch (flag) {
      case "--data":
        data = value;
        break;
      case "--zones":
        zones = value.split(",").map((z) => z.trim());
        break;
      case "--instance-type":
        instanceType = value;
        break;
      case "--gap-seconds":
        gapSeconds = Number(value);
        break;
      case "--offset":
        offset = seconds(value);
        break;
      case "--duration":
        length = seconds(value);
        break;
      default:
        throw new Error(`unknown flag ${flag}`);
    }
  }
  if (!(gapSeconds > 0)) {
    throw new Error("--gap-seconds must be above 0");
  }
  return { data, zones, instanceType, gapSeconds, offset, duration: length };
}

function trace(folder: string, zone: string): readonly number[] {
  const file = join(folder, `${zone}_v100_1.json`);
  const json = JSON.parse(readFileSync(file, "utf8")) as { data?: unknown };
  if (!Array.isArray(json.data) || json.data.some((v) => v !== 0 && v !== 1)) {
    throw new Error(`${file}: expected "data" to be a list of 0 and 1`);
  }
  return json.data as number[];
}

/** Maximal runs of 0 as [first tick, first tick after). */
function zeroRuns(data: readonly number[]): [number, number][] {
  const runs: [number, number][] = [];
  for (let i = 0; i < data.length; ) {
    if (data[i] !== 0) {
      i += 1;
      continue;
    }
    let j = i;
    while (j < data.length && data[j] === 0) {
      j += 1;
    }
    runs.push([i, j]);
    i = j;
  }
  return runs;
}

function main(): void {
  const opts = options(process.argv.slice(2));
  const traces = opts.zones.map((zone) => ({ zone, data: trace(opts.data, zone) }));
  const gap = opts.gapSeconds;
  const ticks = Math.min(...traces.map((t) => t.data.length));
  const sliceFrom = opts.offset;
  const sliceTo = Math.min(ticks * gap, opts.duration === null ? ticks * gap : opts.offset + opts.duration);
  if (sliceFrom >= sliceTo) {
    throw new Error("--offset is past the end of the trace");
  }
  const windows: Window[] = [];
  for (const { zone, data } of traces) {
    for (const [i, j] of zeroRuns(data)) {
      const from = Math.max(i * gap, sliceFrom) - sliceFrom;
      const to = Math.min(j * gap, sliceTo) - sliceFrom;
      if (to <= 0 || from >= sliceTo - sliceFrom) {
        continue;
      }
      windows.push({ zone, from: Math.floor(from / 60) * 60, to: Math.ceil(to / 60) * 60 });
    }
  }
  windows.sort((a, b) => a.from - b.from || a.zone.localeCompare(b.zone));
  const out = [
    `# ${windows.length} windows from ${REPOSITORY}@${COMMIT.slice(0, 7)} data/AWS3 (${opts.zones.join(", ")}),`,
    `# ${gap} s a tick, trace offset ${duration(sliceFrom)} for ${duration(sliceTo - sliceFrom)}; p3.2xlarge Spot availability mapped onto ${opts.instanceType}`,
    ...windows.map(
      (w) =>
        `  - { instanceType: ${opts.instanceType}, zone: ${w.zone}, capacityType: spot, from: ${duration(w.from)}, to: ${duration(w.to)}, podsLost: true }`,
    ),
  ];
  process.stdout.write(`${out.join("\n")}\n`);
  const down = new Array<number>(traces.length + 1).fill(0);
  for (let k = Math.ceil(sliceFrom / gap); k < Math.floor(sliceTo / gap); k += 1) {
    down[traces.reduce((n, t) => n + (t.data[k] === 0 ? 1 : 0), 0)] += 1;
  }
  process.stderr.write(`ticks with N zones down: ${down.map((c, n) => `${n}: ${c}`).join(", ")}\n`);
}

main();
