import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { runSwitchyard } from "../../support/cli.ts";
import { readRepoFile } from "../../support/paths.ts";

const CONFIG = "examples/sd21/switchyard.yaml";

describe("Command: switchyard plan", () => {
  it("prints a table per mode with unit economics, pods, weights, KEDA targets and the bill", async () => {
    const run = await runSwitchyard(["plan", "--config", CONFIG, "--demand", "446"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("cost mode — least-cost whole pods");
    expect(run.stdout).toContain("capacity mode — round-robin per pod through Service sd21:80 at weight 100");
    expect(run.stdout).toMatch(/sd21-a10g-triton\s+0\.01118\s+\$3\.10\s+90\s+89\.2/);
    expect(run.stdout).toMatch(
      /\$5\.6770\/h · \$3\.54 per million requests · serves 551 of 490\.6 RPS needed · feasible/,
    );
    expect(run.stdout).toMatch(/capacity mode costs \$4\.16\/h \(\+73 %\) more than cost mode/);
  });

  it("prints the JSON contract: services[].modes.{cost,capacity} with units' pods, weight and KEDA target", async () => {
    const run = await runSwitchyard(["plan", "--config", CONFIG, "--demand", "1000", "--output", "json"]);
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout);
    const service = json.services[0];
    expect(service).toMatchObject({ name: "sd21", demandRps: 1000 });
    for (const mode of ["cost", "capacity"]) {
      expect(Object.keys(service.modes[mode])).toEqual(
        expect.arrayContaining(["hourlyCost", "costPerMillion", "feasible", "shortfallRps", "units"]),
      );
      for (const unit of service.modes[mode].units) {
        expect(Object.keys(unit)).toEqual(expect.arrayContaining(["name", "pods", "weight", "kedaTarget"]));
        expect(typeof unit.kedaTarget).toBe("string");
      }
    }
    expect(service.modes.cost.feasible).toBe(true);
    expect(service.modes.capacity.units[0].weight).toBeNull();
  });

  it("reports the shortfall when demand exceeds every unit at maxReplicaCount", async () => {
    const run = await runSwitchyard(["plan", "-c", CONFIG, "-d", "50000", "-m", "cost", "-o", "json"]);
    const cost = JSON.parse(run.stdout).services[0].modes.cost;
    expect(cost.feasible).toBe(false);
    expect(cost.shortfallRps).toBeCloseTo(50000 * 1.1 - 100 * (105 + 130 + 90 + 61 + 60), 6);
    expect(cost.notes.join(" ")).toMatch(/short by/);
  });

  it("prints hand-applicable patches as YAML: an Ingress merge patch and one JSON patch per ScaledObject", async () => {
    const run = await runSwitchyard(["plan", "-c", CONFIG, "--mode", "capacity", "--output", "yaml"]);
    expect(run.code).toBe(0);
    const docs = parseAllDocuments(run.stdout).map((d) => d.toJS());
    expect(docs).toHaveLength(6);
    // In the order to apply them: the ScaledObjects first (receivers scale before traffic moves), then the Ingress.
    const annotations = docs[5].metadata.annotations;
    expect(JSON.parse(annotations["alb.ingress.kubernetes.io/actions.weighted-routing"])).toEqual({
      type: "forward",
      forwardConfig: {
        targetGroups: [{ serviceName: "sd21", servicePort: 80, weight: 100 }],
        targetGroupStickinessConfig: { enabled: true, durationSeconds: 200 },
      },
    });
    expect(annotations["switchyard.io/mode"]).toBe("capacity");
    // Round-robin: every ScaledObject gets the one common target (57.19 RPS for l4 at the SLO, over 10 % headroom).
    for (const patch of docs.slice(0, 5)) {
      expect(patch).toEqual([
        { op: "test", path: "/spec/triggers/0/type", value: "aws-cloudwatch" },
        { op: "replace", path: "/spec/triggers/0/metadata/targetMetricValue", value: "52" },
      ]);
    }
    expect(run.stdout).toContain("kubectl -n default patch scaledobject sd21-inf2 --type json");
  });

  it("shows where each unit asks for its next pod: its safe rate, the KEDA target and the line of arithmetic", async () => {
    const run = await runSwitchyard(["plan", "--config", CONFIG, "--mode", "cost"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/weight\s+safe RPS\s+KEDA target\s+asks at\s+load RPS/);
    // l4 answers in 960 ms at its 61 RPS breaking point: safe at 57.2, target 52, asked at 57.2.
    expect(run.stdout).toMatch(
      /sd21-l4-triton\s+0\.01319\s+\$3\.66\s+61\s+61\.0\s+1\s+\d+\s+57\.2\s+52\s+57\.2/,
    );
    expect(run.stdout).toContain(
      "KEDA target = safe RPS ÷ 1.1 (the HPA adds a pod only past 10 % over its target), so each unit asks for a pod at its safe rate; the forecast floor starts pods up to 9 min ahead of a forecast ramp",
    );
    const json = JSON.parse((await runSwitchyard(["plan", "-c", CONFIG, "-m", "cost", "-o", "json"])).stdout);
    expect(json.services[0].modes.cost.targetAllowance).toEqual({
      scaleUpTolerance: 0.1,
      startupAllowance: 0,
    });
    expect(json.services[0].modes.cost.units[0]).toMatchObject({
      safeRps: 105,
      kedaTarget: "95.5",
      asksAtRps: 105,
      startupSeconds: 540,
    });
  });

  it("without a forecast floor, leaves the headroom below the safe rate for demand to grow while a pod starts", async () => {
    const yaml = readRepoFile(CONFIG).replace(
      "headroom: 0.1",
      "headroom: 0.1\n    forecast: { mode: forecast-only }",
    );
    const run = await runSwitchyard(["plan", "--config", "only.yaml", "-m", "cost"], { "only.yaml": yaml });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /sd21-inf2\s+0\.00722\s+\$2\.01\s+105\s+89\.2\s+\d+\s+\d+\s+105\s+86\.8\s+95\.5/,
    );
    expect(run.stdout).toContain(
      "KEDA target = safe RPS ÷ 1.1 (the HPA adds a pod only past 10 % over its target) ÷ 1.1 (no forecast floor: 10 % left for demand to grow while a pod starts)",
    );
  });

  it("with a per-HPA tolerance, prints the ScaledObject behaviour that carries it, and targets closer to the safe rate", async () => {
    const yaml = readRepoFile(CONFIG).replace("headroom: 0.1", "headroom: 0.1\n    scaleUpTolerance: 0.02");
    const run = await runSwitchyard(["plan", "-c", "tol.yaml", "-m", "cost", "-o", "yaml"], {
      "tol.yaml": yaml,
    });
    expect(run.code).toBe(0);
    const docs = parseAllDocuments(run.stdout).map((d) => d.toJS());
    expect(docs).toHaveLength(11);
    expect(docs[0]).toContainEqual({
      op: "replace",
      path: "/spec/triggers/0/metadata/targetMetricValue",
      value: "102.9",
    });
    expect(docs[1]).toEqual({
      spec: { advanced: { horizontalPodAutoscalerConfig: { behavior: { scaleUp: { tolerance: "0.02" } } } } },
    });
    expect(run.stdout).toContain("kubectl -n default patch scaledobject sd21-inf2 --type merge");
    expect(run.stdout).toContain("(Kubernetes 1.35 or later, KEDA 2.18 or later)");
  });

  it.each([
    [
      ["plan", "--config", CONFIG, "--mode", "cheap"],
      /argument 'cheap' is invalid. Allowed choices are cost, capacity, both/,
    ],
    [
      ["plan", "--config", CONFIG, "--demand", "lots"],
      /expected requests per second, a decimal number from 0 to 1000000000 \(e.g. --demand 446\)/,
    ],
    // Number() reads these as 31, 3, 12 and 0: none is a number anyone means by --demand.
    ...["0x1F", "0b11", " 12", ""].map((demand): [string[], RegExp] => [
      ["plan", "--config", CONFIG, "--demand", demand],
      new RegExp(`argument '${demand}' is invalid. expected requests per second, a decimal number from 0`),
    ]),
    [
      ["plan", "--config", CONFIG, "--demand", "1e308"],
      /argument '1e308' is invalid. expected requests per second, a decimal number from 0 to 1000000000 \(e.g. --demand 446\): a billion requests per second is beyond any one load balancer/,
    ],
    [
      ["plan", "--config", "big.yaml"],
      /big.yaml:\d+:\d+ {2}services\[0\]\.units\[0\]\.maxRps: must be at most 1000000/,
    ],
    [["plan", "--config", CONFIG, "--output", "xml"], /Allowed choices are table, json, yaml/],
    [["plan"], /required option '-c, --config <file>' not specified/],
    [["plan", "--config", CONFIG, "--frobnicate"], /unknown option '--frobnicate'/],
    [
      ["plan", "--config", CONFIG, "--service", "sd15"],
      /--service sd15: no such service; the config has sd21/,
    ],
    [["plan", "--config", "nowhere.yaml"], /cannot read nowhere.yaml: no such file/],
  ])("exits 2 with a usage message for %j", async (args, message) => {
    const run = await runSwitchyard(args, {
      "big.yaml": readRepoFile(CONFIG).replace("maxRps: 105", "maxRps: 1e308"),
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it("shows the hedge of a service with Spot units: the loss that binds, what stays, its cost over the unhedged plan", async () => {
    const run = await runSwitchyard([
      "plan",
      "--config",
      "examples/sd21/switchyard-spot.yaml",
      "--demand",
      "3750",
      "--mode",
      "cost",
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(
      "hedge (policy.hedge.maxLossShare 0.05, at 3750 RPS): losing sd21-inf2 in one of its 3 zones (5 pods, 525 RPS) binds: 3601 RPS stay, covering demand × 0.95 = 3562.5; costs $6.3368/h (+19.8 %) over the unhedged plan's $32.0414/h",
    );
    const json = JSON.parse(
      (
        await runSwitchyard([
          "plan",
          "-c",
          "examples/sd21/switchyard-spot.yaml",
          "--demand",
          "3750",
          "-o",
          "json",
        ])
      ).stdout,
    );
    expect(json.services[0].modes.cost.hedge).toMatchObject({
      maxLossShare: 0.05,
      largestCell: { unit: "sd21-inf2", zones: 3, pods: 5 },
    });
    expect(json.services[0].modes.capacity.hedge).toBeUndefined();
  });

  it("shows no hedge for a service without Spot units", async () => {
    const run = await runSwitchyard(["plan", "--config", CONFIG, "--demand", "446"]);
    expect(run.stdout).not.toContain("hedge");
  });
});
