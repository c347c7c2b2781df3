// `npm run bench:plan`: how long the exact planner takes for the SD2.1 service with
// up to 100 pods per unit, and with the hedge (policy.hedge, issue 16) at 5 units × 150
// pods with inf2 on Spot, as one cell, spread over three zones, and placed as the nodes
// say (all 12 of its pods in one zone, one zone closed). A benchmark, not a
// test: it prints figures and never fails on them. Run on an idle machine; the figures
// go in the issue note and docs.
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { type InferenceService, loadConfig, planService } from "@switchyard/core";

const text = readFileSync(new URL("../examples/sd21/switchyard.yaml", import.meta.url), "utf8");
const base = loadConfig(text).services[0] as InferenceService;
const service: InferenceService = {
  ...base,
  units: base.units.map((unit) => ({ ...unit, minReplicaCount: 1, maxReplicaCount: 100 })),
};

function timeOnce(
  demandRps: number,
  planned: InferenceService = service,
  conditions: Parameters<typeof planService>[0]["conditions"] = {},
): number {
  const start = performance.now();
  planService({ service: planned, mode: "cost", demandRps, conditions });
  return performance.now() - start;
}

function stats(samples: number[]): { median: number; p95: number; max: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { median: at(0.5), p95: at(0.95), max: sorted[sorted.length - 1] ?? 0 };
}

const fmt = (ms: number) => `${ms.toFixed(3)} ms`;

for (let i = 0; i < 200; i += 1) {
  timeOnce(5000);
}
const fixed = stats(Array.from({ length: 2000 }, () => timeOnce(5000)));
process.stdout.write(
  `plan 5 units × up to 100 pods at 5,000 RPS (cost mode, exact): median ${fmt(fixed.median)}, p95 ${fmt(fixed.p95)}, max ${fmt(fixed.max)} over 2000 runs\n`,
);

const sweep: number[] = [];
for (let demand = 100; demand <= 40_000; demand += 100) {
  sweep.push(timeOnce(demand));
}
const swept = stats(sweep);
process.stdout.write(
  `sweep 100-40,000 RPS in steps of 100 (${sweep.length} plans): median ${fmt(swept.median)}, p95 ${fmt(swept.p95)}, max ${fmt(swept.max)}\n`,
);
/** 5 units × 150 pods with inf2 on Spot: the hedge's constraint in the exact planner. */
function hedgedService(zones: readonly string[] | undefined): InferenceService {
  return {
    ...base,
    policy: { ...base.policy, hedge: { maxLossShare: 0.1 } },
    units: base.units.map((unit) => ({
      ...unit,
      minReplicaCount: 1,
      maxReplicaCount: 150,
      ...(unit.name === "sd21-inf2"
        ? { capacityTypes: ["spot" as const], ...(zones === undefined ? {} : { zones }) }
        : {}),
    })),
  };
}
const ZONES = ["us-west-2a", "us-west-2b", "us-west-2c"];
const placedConditions = {
  "sd21-inf2": {
    runningPods: 12,
    placedPods: { "us-west-2a": 0, "us-west-2b": 12, "us-west-2c": 0 },
    impairedZones: ["us-west-2c"],
  },
};
for (const [label, zones, conditions] of [
  ["inf2 on Spot, one cell", undefined, {}],
  ["inf2 on Spot in 3 zones", ZONES, {}],
  ["inf2 on Spot in 3 zones, placed by its nodes", ZONES, placedConditions],
] as const) {
  const hedged = hedgedService(zones);
  const runs = Array.from({ length: 500 }, () => timeOnce(3750, hedged, conditions));
  const at = stats(runs);
  const swept = stats(Array.from({ length: 150 }, (_, i) => timeOnce(100 + i * 100, hedged, conditions)));
  process.stdout.write(
    `hedged plan, maxLossShare 0.1, 5 units × up to 150 pods, ${label}: at 3,750 RPS median ${fmt(at.median)}, p95 ${fmt(at.p95)}, max ${fmt(at.max)} over 500 runs; sweep 100-15,000 RPS median ${fmt(swept.median)}, p95 ${fmt(swept.p95)}, max ${fmt(swept.max)}\n`,
  );
}
process.stdout.write(`node ${process.version}\n`);
