import { describe, expect, it } from "vitest";
import { runSwitchyard } from "../../support/cli.ts";

const SHORT = "test/fixtures/scenarios/short-outage.yaml";

describe("Command: switchyard simulate", () => {
  it("prints the comparison table and writes the report folder", async () => {
    const run = await runSwitchyard([
      "simulate",
      "--scenario",
      SHORT,
      "--policies",
      "switchyard,seed-reference,oracle",
      "--out",
      "reports/x",
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /^short-outage · service sd21 · 3 h from 2024-11-14 00:00 UTC · SLO p95 900 ms\n/,
    );
    expect(run.stdout).toMatch(
      /policy\s+\$\/M req\s+total cost\s+SLO-violation min\s+failed requests\s+switches\s+moves\s+failover decided\s+traffic moved\s+fallback/,
    );
    // 330 RPS without inf2 fits in cost mode: switchyard routes around the loss and never
    // changes mode (inf2's empty target group at weight 0 at once, onto the pods ready
    // now); its moves (a reroute, a rebalance as the receivers' pods come, another when
    // inf2 is back) are counted and named.
    expect(run.stdout).toMatch(
      /\nswitchyard\s+\$\d+\.\d\d\s+\$\d+\.\d\d\s+\d+\s+[\d,]+\s+0\s+3\s+—\s+—\s+—\n/,
    );
    expect(run.stdout).toContain(
      "\nmoves that took effect: switchyard 3 (2 rebalances, 1 reroute); seed-reference 1 (1 failover)\n",
    );
    expect(run.stdout).toContain(
      "\nmode switches and reroutes: switchyard reroute 14 Nov 00:30 succeeded (Ingress patched 00:30); seed-reference failover 14 Nov 00:30 succeeded (Ingress patched 00:30)\n",
    );
    // The seed's controller fails over at its next 5-minute poll, which falls on the first
    // error, moves traffic within the minute, and reverts only at the next load cycle.
    expect(run.stdout).toMatch(
      /\nseed-reference\s+\$\d+\.\d\d\s+\$\d+\.\d\d\s+\d+\s+[\d,]+\s+1\s+1\s+0 s\s+60 s\s+—\n/,
    );
    expect(run.stdout).toMatch(/\noracle\s+\$\d+\.\d\d\s+\$\d+\.\d\d\s+0\s+0\s+0\s+0\s+—\s+—\s+—\n/);
    expect(run.stdout).toContain("report: reports/x/report.md\n");
    expect([...run.written.keys()].sort()).toEqual(
      [
        "cost.png",
        "cost.svg",
        "incident.png",
        "incident.svg",
        "latency.png",
        "latency.svg",
        "pods.png",
        "pods.svg",
        "report.md",
        "summary.json",
        "throughput.png",
        "throughput.svg",
        "timeline.csv",
      ].map((name) => `reports/x/${name}`),
    );
    const png = run.written.get("reports/x/throughput.png") as Uint8Array;
    expect([...png.slice(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(String(run.written.get("reports/x/throughput.svg"))).toMatch(/^<svg/);
    const report = String(run.written.get("reports/x/report.md"));
    expect(report).toContain("## In one minute");
    expect(report).toMatch(/\*\*switchyard\*\*: \$\d+\.\d\d/);
    expect(report).toContain("![Requests/s per unit, whole run](throughput.png)");
    // The forecast scored against the demand that came, a pod start-up (9 min for inf2) ahead.
    expect(report).toMatch(
      /- Forecast \(forecast-and-scale; each minute forecast 9 min ahead, a pod start-up\): off by \d+\.\d % of demand on average over \d+ minutes, bias [+−]\d+\.\d %/,
    );
    expect(report).toMatch(/cannot get inf2.xlarge capacity/);
    // The loss was answered inside cost mode: the headline says so, with when.
    expect(report).toMatch(
      /\*\*switchyard\*\*: .*routed around the loss inside cost mode (once|\d+ times), first \d+ s after the first capacity error/,
    );
    const csv = String(run.written.get("reports/x/timeline.csv")).split("\n");
    expect(csv[0]).toMatch(
      /^policy,minute,mode,demand_rps,requests,failed,p95_ms,slo_violated,cost_usd,hourly_cost_usd,forecast_rps,sd21-inf2_rps,sd21-inf2_ready,sd21-inf2_pods,sd21-inf2_pending,sd21-inf2_weight,sd21-inf2_min_replicas,/,
    );
    const switchyard = csv.filter((line) => line.startsWith("switchyard,"));
    expect(switchyard).toHaveLength(180);
    // switchyard forecasts a start-up ahead once it has measured minutes; the baselines do not.
    expect(switchyard.filter((line) => line.split(",")[10] !== "").length).toBeGreaterThan(100);
    expect(csv.filter((line) => line.startsWith("oracle,")).every((line) => line.split(",")[10] === "")).toBe(
      true,
    );
  });

  it("prints the JSON contract with --output json, null where a figure does not apply", async () => {
    const run = await runSwitchyard([
      "simulate",
      "-f",
      SHORT,
      "-p",
      "switchyard,static-cost,seed-reference",
      "-o",
      "json",
      "--out",
      "r",
    ]);
    expect(run.code, run.stderr).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(json.scenario).toBe("short-outage");
    expect(Object.keys(json)).toEqual([
      "scenario",
      "floorCost",
      "lowerBoundCost",
      "lowerBoundBrokenBy",
      "policies",
    ]);
    // Three hours of one pod per unit ($4.9188/h), except inf2's for the hour its pods are
    // lost and the 3 minutes after, until Karpenter retries the failed offering.
    expect(json.floorCost).toBeCloseTo(3 * 4.9188 - 0.7582 * (1 + 3 / 60), 2);
    // The floor's pods serve 330 RPS even without inf2's (341 RPS at their breaking points):
    // the lower bound is the floor, and no ratio to it can be given.
    expect(json.lowerBoundCost).toBeCloseTo(json.floorCost, 2);
    expect(json.lowerBoundBrokenBy).toEqual([]);
    for (const policy of json.policies) {
      expect(policy.costAboveFloor).toBeCloseTo(policy.totalCost - json.floorCost, 1);
      expect(policy.costAboveFloorRatio).toBeNull();
    }
    expect(json.policies.map((p: { name: string }) => p.name)).toEqual([
      "switchyard",
      "static-cost",
      "seed-reference",
    ]);
    for (const policy of json.policies) {
      expect(Object.keys(policy)).toEqual([
        "name",
        "costPerMillion",
        "totalCost",
        "costAboveFloor",
        "costAboveFloorRatio",
        "sloViolationMinutes",
        "failedRequests",
        "switches",
        "moves",
        "movesByKind",
        "failoverDecidedSeconds",
        "failoverSeconds",
        "fallbackSeconds",
      ]);
    }
    // switchyard routes around the loss in cost mode and static-cost never moves: no failover figures.
    for (const policy of json.policies.slice(0, 2)) {
      expect(policy).toMatchObject({
        switches: 0,
        failoverDecidedSeconds: null,
        failoverSeconds: null,
        fallbackSeconds: null,
      });
    }
    // Its moves are counted by kind though it never switched mode.
    expect(json.policies[0]).toMatchObject({
      moves: 3,
      movesByKind: { failover: 0, fallback: 0, rebalance: 2, reroute: 1, repair: 0 },
    });
    expect(json.policies[0].failedRequests).toBeLessThan(json.policies[1].failedRequests);
    expect(json.policies[1].failedRequests).toBeGreaterThan(0);
    // The seed's controller fails over and never falls back within the run.
    expect(json.policies[2]).toMatchObject({
      switches: 1,
      failoverDecidedSeconds: 0,
      failoverSeconds: 60,
      fallbackSeconds: null,
    });
  });

  it("exits 2 and lists every error of a bad scenario with its path and line", async () => {
    const file = "test/fixtures/scenarios/six-errors.yaml";
    const run = await runSwitchyard(["simulate", "--scenario", file]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    const lines = run.stderr.trimEnd().split("\n");
    expect(lines[0]).toBe(`${file}: 6 errors`);
    expect(lines.slice(1).map((line) => line.match(/^ {2}\S+:(\d+):\d+ {2}([^:]+):/)?.slice(1))).toEqual([
      ["1", "name"],
      ["4", "duration"],
      ["8", "demand.max"],
      ["11", "capacity[0].instanceType"],
      ["13", "capacity[0].to"],
      ["15", "keda.pollingIntervall"],
    ]);
    expect(run.written.size).toBe(0);
  });

  it.each([
    [
      ["simulate", "--scenario", SHORT, "--policies", "switchyard,cheapest"],
      /unknown cheapest; expected a comma-separated list of switchyard, seed-reference/,
    ],
    [["simulate", "--scenario", SHORT, "--output", "yaml"], /Allowed choices are table, json/],
    [["simulate"], /required option '-f, --scenario <file>' not specified/],
    [["simulate", "--scenario", "nowhere.yaml"], /cannot read nowhere.yaml: no such file/],
  ])("exits 2 with a usage message for %j", async (args, message) => {
    const run = await runSwitchyard(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it("runs switchyard at each risk budget given with --hedge and prints, writes and charts the cost–risk frontier", async () => {
    const run = await runSwitchyard([
      "simulate",
      "--scenario",
      "test/fixtures/scenarios/spot-reclaim.yaml",
      "--policies",
      "switchyard,static-cost",
      "--hedge",
      "1,0",
      "--out",
      "reports/f",
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /spot-reclaim · cost–risk frontier: Switchyard at each policy\.hedge\.maxLossShare/,
    );
    expect(run.stdout).toMatch(/\nswitchyard \(hedge 0\)\s+0\s+\$[\d,]+\.\d\d\s+\$\d+\.\d\d\s+\d+\s+0\n/);
    expect(run.stdout).toMatch(
      /\nswitchyard \(hedge 1\)\s+1\s+\$[\d,]+\.\d\d\s+\$\d+\.\d\d\s+\d+\s+[1-9][\d,]*\n/,
    );
    expect(run.stdout).toMatch(/\nstatic-cost\s+—\s+\$/);
    expect(run.written.has("reports/f/frontier.png")).toBe(true);
    expect(String(run.written.get("reports/f/report.md"))).toContain("## Cost–risk frontier");
    const summary = JSON.parse(String(run.written.get("reports/f/summary.json")));
    expect(summary.frontier.map((r: { maxLossShare: number | null }) => r.maxLossShare)).toEqual([
      0,
      1,
      null,
    ]);
  });

  it.each([["1.5"], ["0,x"], [""]])(
    "refuses --hedge %j with exit 2, naming what a budget is",
    async (value) => {
      const run = await runSwitchyard(["simulate", "--scenario", SHORT, "--hedge", value]);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(
        /expected risk budgets from 0 to 1 \(policy\.hedge\.maxLossShare\), comma-separated/,
      );
    },
  );
});
