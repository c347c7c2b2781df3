import { readdirSync } from "node:fs";
import { ConfigError, renderJsonSchema } from "@switchyard/core";
import { loadScenario, scenarioJsonSchema } from "@switchyard/sim";
import { describe, expect, it } from "vitest";
import { parseScenario } from "../../../packages/sim/src/scenario/load.ts";
import { readRepoFile, repoPath } from "../../support/paths.ts";
import { readRepoText, repoScenario } from "../../support/scenarios.ts";

const HOUR = 3_600_000;

async function issuesOf(text: string, source = "test/fixtures/scenarios/inline.yaml") {
  const result = await parseScenario(text, source, readRepoText);
  if (result.ok) {
    throw new Error("expected the scenario to be refused");
  }
  return result.issues;
}

const MINIMAL = `name: minimal
config: ../../../examples/sd21/switchyard.yaml
start: 2024-11-14T00:00:00Z
duration: 1h
demand: { shape: constant, rps: 100 }
`;

describe("Function: loadScenario", () => {
  it.each([
    ["examples/sd21/scenarios/inf2-outage.yaml", "inf2-outage", 48, 1],
    ["examples/sd21/scenarios/flapping.yaml", "flapping", 4, 6],
    ["examples/sd21/scenarios/overload.yaml", "overload", 2, 0],
  ])(
    "reads the bundled %s with its config, length and capacity windows",
    async (path, name, hours, windows) => {
      const scenario = await repoScenario(path);
      expect(scenario.name).toBe(name);
      expect((scenario.end - scenario.start) / HOUR).toBe(hours);
      expect(scenario.capacity).toHaveLength(windows);
      expect(scenario.service.name).toBe("sd21");
      expect(scenario.configSource).toBe("examples/sd21/switchyard.yaml");
      expect(scenario.stepMs).toBe(60_000);
    },
  );

  it.each(readdirSync(repoPath("examples/sd21/scenarios")).filter((file) => file.endsWith(".yaml")))(
    "validates the bundled %s against the scenario schema and its config",
    async (file) => {
      const scenario = await repoScenario(`examples/sd21/scenarios/${file}`);
      expect(`${scenario.name}.yaml`).toBe(file);
    },
  );

  it("runs the scale-* scenarios on the config with room to scale: up to 150 pods per unit", async () => {
    const scenario = await repoScenario("examples/sd21/scenarios/scale-inf2-outage.yaml");
    expect(scenario.configSource).toBe("examples/sd21/switchyard-scale.yaml");
    expect(scenario.service.units.map((unit) => unit.maxReplicaCount)).toEqual([150, 150, 150, 150, 150]);
    expect(scenario.demand).toMatchObject({ kind: "cosine", min: 300, max: 4000 });
    expect(scenario.capacity).toEqual([
      {
        instanceType: "inf2.xlarge",
        from: Date.parse("2024-11-14T13:00:00Z"),
        to: Date.parse("2024-11-14T15:00:00Z"),
        podsLost: false,
        zone: null,
        capacityType: null,
        warningLeadMs: null,
      },
    ]);
  });

  it("fills every default and resolves offsets against the start", async () => {
    const scenario = await repoScenario("examples/sd21/scenarios/inf2-outage.yaml");
    expect(scenario.capacity[0]).toEqual({
      instanceType: "inf2.xlarge",
      from: Date.parse("2024-11-14T13:00:00Z"),
      to: Date.parse("2024-11-14T15:00:00Z"),
      podsLost: false,
      zone: null,
      capacityType: null,
      warningLeadMs: null,
    });
    const reclaimed = await repoScenario("examples/sd21/scenarios/inf2-reclaimed.yaml");
    // A window that takes pods warns their Spot instances two minutes ahead, by default.
    expect(reclaimed.capacity[0]).toMatchObject({
      from: Date.parse("2024-11-14T11:00:00Z"),
      podsLost: true,
      warningLeadMs: 120_000,
    });
    expect(scenario.demand).toEqual({
      kind: "cosine",
      min: 40,
      max: 430,
      periodMs: 24 * HOUR,
      peakAt: Date.parse("2024-11-14T15:00:00Z"),
    });
    expect(scenario.podStartup.byInstanceType).toEqual({ "inf2.xlarge": 540_000, "trn1.2xlarge": 540_000 });
    expect(scenario.keda).toEqual({
      pollingMs: 30_000,
      metricWindowMs: 60_000,
      tolerance: 0.1,
      scaleDownStabilizationMs: 300_000,
      ignoreNullValues: true,
    });
    expect(scenario.cloudwatch).toEqual({ publishDelayMs: 60_000, gaps: [] });
    expect(scenario.latency).toMatchObject({ idleFraction: 0.8, saturation: 1.2, queueSeconds: 5 });
  });

  it("expands a repeated window into one window per repeat", async () => {
    const scenario = await repoScenario("examples/sd21/scenarios/flapping.yaml");
    const start = scenario.start;
    expect(scenario.capacity.map((w) => [(w.from - start) / 60_000, (w.to - start) / 60_000])).toEqual([
      [60, 64],
      [70, 74],
      [80, 84],
      [90, 94],
      [100, 104],
      [110, 114],
    ]);
  });

  it("reads per-minute demand from a CSV beside the scenario, skipping the header and comments", async () => {
    const scenario = await repoScenario("test/fixtures/scenarios/csv-demand.yaml");
    expect(scenario.demand).toEqual({
      kind: "series",
      rpsByMinute: [100, 120, 140, 160, 180],
      file: "demand.csv",
    });
  });

  it("refuses a seedReference that misses a unit, names an unknown one or routes nowhere, naming the field", async () => {
    const issues = await issuesOf(`${MINIMAL}seedReference:
  weighted:
    weights: { sd21-inf2: 0, sd21-trn1: 0, sd21-a10g-triton: 0, sd21-l4-triton: 0, sd21-a10g-cuda: 0 }
    targets: { sd21-inf2: 100, sd21-trn1: 110, sd21-a10g-triton: 90, sd21-l4-triton: 60, sd21-a10g-cuda: 60 }
  equal:
    targets: { sd21-inf2: 70, sd21-trn1: 70, sd21-a10g-triton: 63, sd21-l4: 64, sd21-a10g-cuda: -1 }
`);
    expect(issues.map((i) => [i.path, i.message])).toEqual(
      expect.arrayContaining([
        ["seedReference.equal.targets.sd21-a10g-cuda", expect.stringMatching(/requests\/s per pod above 0/)],
        ["seedReference.equal.targets.sd21-l4", expect.stringMatching(/names no unit of service sd21/)],
        ["seedReference.equal.targets", expect.stringMatching(/missing sd21-l4-triton/)],
        ["seedReference.weighted.weights", expect.stringMatching(/at least one unit a weight above 0/)],
      ]),
    );
  });

  it("refuses a bad file with every error's path and line, at once", async () => {
    const path = "test/fixtures/scenarios/six-errors.yaml";
    await expect(loadScenario(path, readRepoText)).rejects.toThrow(ConfigError);
    const issues = await issuesOf(readRepoFile(path), path);
    expect(issues.map((i) => [i.path, i.line])).toEqual([
      ["name", 1],
      ["duration", 4],
      ["demand.max", 8],
      ["capacity[0].instanceType", 11],
      ["capacity[0].to", 13],
      ["keda.pollingIntervall", 15],
    ]);
    expect(issues.map((i) => i.message)).toEqual([
      expect.stringMatching(/must be a name of lowercase letters/),
      expect.stringMatching(/must be a duration such as 90s, 15m, 2h or 1h30m.*\(got "3 hours"\)/),
      expect.stringMatching(/must be at least demand.min \(400\)/),
      expect.stringMatching(/p5.48xlarge: no unit of service sd21 runs on it; its units use inf2.xlarge/),
      expect.stringMatching(/must be later than from \(2h\)/),
      'unknown field "pollingIntervall": check its spelling against schema/scenario.schema.json',
    ]);
  });

  it.each([
    [
      MINIMAL.replace("../../../examples/sd21/switchyard.yaml", "missing.yaml"),
      "config",
      /cannot read|ENOENT|no such file/,
    ],
    [MINIMAL.replace("duration: 1h", "duration: 1h\nstep: 45s"), "step", /must divide one minute evenly/],
    [
      MINIMAL.replace("duration: 1h", "duration: 1h\nservice: sd15"),
      "service",
      /names no service of the config; it has sd21/,
    ],
    [
      MINIMAL.replace("{ shape: constant, rps: 100 }", "{ shape: steps, steps: [{ from: 10m, rps: 1 }] }"),
      "demand.steps[0].from",
      /must be 0s/,
    ],
    [
      MINIMAL.replace("{ shape: constant, rps: 100 }", "{ shape: sine, rps: 100 }"),
      "demand.shape",
      /must be a demand shape: constant, cosine, steps, csv or cloudwatch .*\(got "sine"\)/,
    ],
    [
      MINIMAL.replace("{ shape: constant, rps: 100 }", "{ shape: csv, file: demand.csv }").replace(
        "duration: 1h",
        "duration: 10m",
      ),
      "demand.file",
      /has 5 rows of requests\/s but the run lasts 10 minutes/,
    ],
    [
      `${MINIMAL}capacity:\n  - { instanceType: inf2.xlarge, from: 10m, to: 20m, repeat: { every: 5m, times: 3 } }\n`,
      "capacity[0].repeat.every",
      /must be longer than the window \(10m\)/,
    ],
    [
      MINIMAL.replace("{ shape: constant, rps: 100 }", "{ shape: constant, rps: 1e12 }"),
      "demand.rps",
      /must be at most 1000000000 requests per second: the demand; a billion requests per second is beyond any one load balancer/,
    ],
    [
      MINIMAL.replace("{ shape: constant, rps: 100 }", "{ shape: cosine, min: 300, max: 1e12, period: 24h }"),
      "demand.max",
      /must be at most 1000000000 requests per second/,
    ],
    [
      MINIMAL.replace("{ shape: constant, rps: 100 }", "{ shape: steps, steps: [{ from: 0s, rps: 1e12 }] }"),
      "demand.steps[0].rps",
      /must be at most 1000000000 requests per second/,
    ],
    [
      `${MINIMAL}podStartup: { instanceTypes: { p4d.24xlarge: 5m } }\n`,
      'podStartup.instanceTypes["p4d.24xlarge"]',
      /no unit of service sd21 runs on it/,
    ],
  ])("refuses %#: %s", async (text, path, message) => {
    const issues = await issuesOf(text);
    const issue = issues.find((i) => i.path === path);
    expect(issue, JSON.stringify(issues)).toBeDefined();
    expect(issue?.message).toMatch(message);
  });

  it.each([
    ["start: 2024-02-30T00:00:00Z", "start", /must be a day and time that exist/],
    ["start: 2023-02-29T00:00:00Z", "start", /must be a day and time that exist/],
    ["start: 2024-11-14T00:00Z", "start", /must be an RFC 3339 time/],
    ["start: 2024-11-14", "start", /must be an RFC 3339 time/],
    ["duration: 30m1h", "duration", /must be a duration such as/],
    ["duration: 99999999999999999999d", "duration", /too long to count/],
  ])("refuses %s, which Date.parse or the old duration grammar accepted", async (line, path, message) => {
    const key = line.split(":")[0] as string;
    const text = MINIMAL.replace(new RegExp(`^${key}: .*$`, "m"), line);
    const issues = await issuesOf(text);
    expect(issues.map((i) => i.path)).toEqual([path]);
    expect(issues[0]?.message).toMatch(message);
  });

  it("places an RFC 3339 capacity window on the run's clock, whatever its offset", async () => {
    const scenario = await parseScenario(
      `${MINIMAL}capacity: [{ instanceType: inf2.xlarge, from: "2024-11-14T02:30:00+02:00", to: 45m }]\n`,
      "test/fixtures/scenarios/inline.yaml",
      readRepoText,
    );
    if (!scenario.ok) throw new Error(JSON.stringify(scenario.issues));
    expect(scenario.value.capacity[0]?.from).toBe(Date.UTC(2024, 10, 14, 0, 30));
  });

  it("reports a broken config file through the scenario's config field, with the config's own path and line", async () => {
    const issues = await issuesOf(
      MINIMAL.replace("../../../examples/sd21/switchyard.yaml", "../configs/four-errors.yaml"),
    );
    expect(issues.every((i) => i.path === "config")).toBe(true);
    expect(issues).toHaveLength(4);
    expect(issues[0]?.message).toMatch(
      /names a config that is not valid: test\/fixtures\/configs\/four-errors.yaml:7:5 services\[0\].slo/,
    );
  });
});

describe("File: schema/scenario.schema.json", () => {
  it("is generated from the zod schema and up to date (run `npm run schema` after changing it)", () => {
    expect(readRepoFile("schema/scenario.schema.json")).toBe(renderJsonSchema(scenarioJsonSchema()));
  });
});
