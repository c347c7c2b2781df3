import { ConfigError, configJsonSchema, loadConfig, parseConfig, renderJsonSchema } from "@switchyard/core";
import { describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import { readRepoFile } from "../../support/paths.ts";
import { sd21Config } from "../../support/sd21.ts";

const example = readRepoFile("examples/sd21/switchyard.yaml");

/** The example with one edit, made through the YAML document so comments stay. */
function edited(edit: (doc: ReturnType<typeof parseDocument>) => void): string {
  const doc = parseDocument(example);
  edit(doc);
  return doc.toString();
}

/** The first service, as plain data to add again under another name. */
function serviceCopy(doc: ReturnType<typeof parseDocument>): Record<string, unknown> {
  return (doc.getIn(["services", 0]) as { toJSON(): Record<string, unknown> }).toJSON();
}

function issuesOf(text: string): { path: string; message: string; line?: number }[] {
  const result = parseConfig(text);
  if (result.ok) {
    throw new Error("expected the config to be refused");
  }
  return [...result.issues];
}

describe("Function: loadConfig", () => {
  it("reads the bundled SD2.1 example with its five units", () => {
    const config = sd21Config();
    const service = config.services[0];
    expect(service?.units.map((u) => [u.name, u.instanceTypes[0], u.hourlyPrice, u.maxRps])).toEqual([
      ["sd21-inf2", "inf2.xlarge", 0.7582, 105],
      ["sd21-trn1", "trn1.2xlarge", 1.3438, 130],
      ["sd21-a10g-triton", "g5.xlarge", 1.006, 90],
      ["sd21-l4-triton", "g6.xlarge", 0.8048, 61],
      ["sd21-a10g-cuda", "g5.xlarge", 1.006, 60],
    ]);
    expect(service).toMatchObject({
      action: "weighted-routing",
      consolidatedService: { name: "sd21", port: 80 },
      slo: { latencyMs: 900, statistic: "p95" },
    });
    expect(service?.units.every((u) => u.minReplicaCount === 1)).toBe(true);
  });

  it("fills names from the unit's name and policy from the top level", () => {
    const config = loadConfig(`
cluster: { name: c, region: eu-west-1 }
policy: { quietPeriodMinutes: 15 }
services:
  - name: s
    ingress: web
    action: split
    slo: { latencyMs: 500 }
    policy: { maxSwitchesPerHour: 2 }
    units:
      - { name: u1, instanceTypes: [g5.xlarge], hourlyPrice: 1, maxRps: 10, latencyMs: 100 }
`);
    const service = config.services[0];
    expect(service?.units[0]).toMatchObject({
      service: { name: "u1", port: 80 },
      deployment: "u1",
      scaledObject: { name: "u1", triggerType: "aws-cloudwatch", metadataKey: "targetMetricValue" },
      minReplicaCount: 1,
      maxReplicaCount: 100,
    });
    expect(service?.namespace).toBe("default");
    expect(service?.headroom).toBe(0.1);
    expect(service?.policy).toMatchObject({
      quietPeriodMinutes: 15,
      maxSwitchesPerHour: 2,
      minDwellMinutes: 10,
    });
  });

  it("throws a ConfigError whose message lists every issue with the file and line", () => {
    const text = edited((doc) => doc.setIn(["services", 0, "units", 1, "maxRps"], 0));
    expect(() => loadConfig(text, "mine.yaml")).toThrow(ConfigError);
    expect(() => loadConfig(text, "mine.yaml")).toThrow(
      /mine\.yaml:\d+:\d+ {2}services\[0\]\.units\[1\]\.maxRps: must be a positive number/,
    );
  });
});

describe("Function: parseConfig — scale and start-up", () => {
  it("accepts maxReplicaCount above 1,000 (the LLM example's 1,500), several pods per instance and each unit's start-up", () => {
    const config = loadConfig(readRepoFile("examples/llama31-8b/switchyard.yaml"), "llama");
    const [inf2, g5] = config.services[0]?.units ?? [];
    expect(inf2).toMatchObject({
      maxReplicaCount: 1500,
      podsPerInstance: 3,
      startupSeconds: 900,
      hourlyPrice: 12.9813,
    });
    expect(g5).toMatchObject({ podsPerInstance: 1, startupSeconds: 600 });
    expect(config.services[0]?.forecast).toEqual({
      mode: "forecast-and-scale",
      historyDays: 14,
      maxGrowthPercent: 50,
    });
    expect(config.services[0]?.scaleUpTolerance).toBe(0.1);
  });

  it("defaults: one pod per instance, a 10-minute start-up (the middle of the seed's 5-15), the forecast acting", () => {
    const config = loadConfig(
      readRepoFile("examples/sd21/switchyard.yaml").replace(/\n\s+startupSeconds: \d+[^\n]*/g, ""),
      "sd21",
    );
    expect(config.services[0]?.units.map((u) => [u.podsPerInstance, u.startupSeconds])).toEqual(
      new Array(5).fill([1, 600]),
    );
    expect(config.services[0]?.forecast.mode).toBe("forecast-and-scale");
  });
});

describe("Function: loadConfig — capacity types, zones and the hedge", () => {
  it("reads a unit's capacity type as the NodePool's list, Spot first, and its zones; on-demand when unsaid", () => {
    const config = loadConfig(
      edited((doc) => {
        doc.setIn(["services", 0, "units", 0, "capacityType"], ["on-demand", "spot"]);
        doc.setIn(["services", 0, "units", 0, "onDemandHourlyPrice"], 0.7582);
        doc.setIn(["services", 0, "units", 0, "zones"], ["us-west-2a", "us-west-2b"]);
        doc.setIn(["services", 0, "units", 1, "capacityType"], "spot");
      }),
    );
    const [inf2, trn1, g5] = config.services[0]?.units ?? [];
    expect(inf2).toMatchObject({
      capacityTypes: ["spot", "on-demand"],
      onDemandHourlyPrice: 0.7582,
      zones: ["us-west-2a", "us-west-2b"],
    });
    expect(trn1?.capacityTypes).toEqual(["spot"]);
    expect(g5?.capacityTypes).toBeUndefined();
    expect(g5?.zones).toBeUndefined();
  });

  it("defaults the risk budget and lets a service override it", () => {
    expect(loadConfig(example).services[0]?.policy.hedge).toEqual({ maxLossShare: 0.05 });
    const config = loadConfig(
      edited((doc) => doc.setIn(["services", 0, "policy"], { hedge: { maxLossShare: 0.25 } })),
    );
    expect(config.services[0]?.policy.hedge).toEqual({ maxLossShare: 0.25 });
    expect(config.services[0]?.policy.quietPeriodMinutes).toBe(10);
  });
});

describe("Function: loadConfig, YAML as Kubernetes users write it", () => {
  it("reads a merge key (<<: *anchor) as the anchored map's fields, overridden by the map's own", () => {
    const merged = example
      .replace("      - name: sd21-inf2\n", "      - &inf2\n        name: sd21-inf2\n")
      .replace(
        "      - name: sd21-trn1\n        service: { name: sd21-trn1, port: 80 }\n        deployment: sd21-trn1\n",
        "      - <<: *inf2\n        name: sd21-trn1\n        service: { name: sd21-trn1, port: 80 }\n        deployment: sd21-trn1\n",
      );
    expect(merged).toContain("<<: *inf2");
    expect(loadConfig(merged, "merged.yaml")).toEqual(loadConfig(example, "merged.yaml"));
    // A field only the anchor sets comes from it.
    const inherited = merged.replace(
      "        deployment: sd21-trn1\n        scaledObject: { name: sd21-trn1 }\n        instanceTypes: [trn1.2xlarge]\n        hourlyPrice: 1.3438\n        maxRps: 130\n        latencyMs: 510\n",
      "        deployment: sd21-trn1\n        scaledObject: { name: sd21-trn1 }\n        instanceTypes: [trn1.2xlarge]\n        hourlyPrice: 1.3438\n        maxRps: 130\n",
    );
    expect(inherited).not.toBe(merged);
    expect(loadConfig(inherited, "merged.yaml").services[0]?.units[1]?.latencyMs).toBe(670);
  });
});

describe("Function: parseConfig refuses", () => {
  it.each([
    [
      "a sixth unit (ALB forward actions take 5 target groups)",
      (doc: ReturnType<typeof parseDocument>) =>
        doc.addIn(["services", 0, "units"], {
          name: "sd21-h100",
          instanceTypes: ["p5.48xlarge"],
          hourlyPrice: 98.32,
          maxRps: 900,
          latencyMs: 300,
        }),
      "services[0].units",
      /lists 6 units; an ALB forward action takes at most 5 target groups/,
    ],
    [
      "the removed triggerIndex (the trigger is found by type now)",
      (doc: ReturnType<typeof parseDocument>) =>
        doc.setIn(["services", 0, "units", 0, "scaledObject", "triggerIndex"], 1),
      "services[0].units[0].scaledObject.triggerIndex",
      /is no longer read: the trigger is found by its type; set scaledObject\.triggerType \(default aws-cloudwatch\)/,
    ],
    [
      "a second service on the same Ingress action (each would rewrite the other's routing)",
      (doc: ReturnType<typeof parseDocument>) =>
        doc.addIn(["services"], { ...serviceCopy(doc), name: "sd21-canary" }),
      "services[1].action",
      /duplicate Ingress action "default\/sd21 action weighted-routing": services\[0\]\.action has it already: two services would each rewrite the whole action/,
    ],
    [
      "the same instance type twice in a unit",
      (doc: ReturnType<typeof parseDocument>) =>
        doc.setIn(["services", 0, "units", 1, "instanceTypes"], ["trn1.2xlarge", "trn1.2xlarge"]),
      "services[0].units[1].instanceTypes[1]",
      /duplicate instance type "trn1\.2xlarge": services\[0\]\.units\[1\]\.instanceTypes\[0\] has it already; list it once/,
    ],
    [
      "two long service names that would share their execution names",
      (doc: ReturnType<typeof parseDocument>) => {
        // Found by search: the same first 49 characters and the same 32-bit FNV-1a hash.
        doc.setIn(["services", 0, "name"], "sd21-stable-diffusion-inference-production-uswest-d3zlaa-canary");
        doc.addIn(["services"], {
          ...serviceCopy(doc),
          name: "sd21-stable-diffusion-inference-production-uswest-2papaa-canary",
          action: "other-routing",
        });
      },
      "services[1].name",
      /gives the same execution names \(sd21-stable-diffusion-inference-production-uswest-[0-9a-z]{7}-<move>-<minute>\) as services\[0\]\.name/,
    ],
    [
      "a duplicate unit name",
      (doc: ReturnType<typeof parseDocument>) => doc.setIn(["services", 0, "units", 4, "name"], "sd21-inf2"),
      "services[0].units[4].name",
      /duplicate unit name "sd21-inf2": services\[0\]\.units\[0\]\.name has it already/,
    ],
    [
      "a negative price",
      (doc: ReturnType<typeof parseDocument>) =>
        doc.setIn(["services", 0, "units", 2, "hourlyPrice"], -1.006),
      "services[0].units[2].hourlyPrice",
      /must be a positive number: the price of one pod's instance in USD per hour.*\(got -1.006\)/,
    ],
    [
      "a zero maxRps",
      (doc: ReturnType<typeof parseDocument>) => doc.setIn(["services", 0, "units", 3, "maxRps"], 0),
      "services[0].units[3].maxRps",
      /must be a positive number: requests per second one pod serves/,
    ],
    [
      "a maxRps past what the planning math can represent (1e308 makes the bill Infinity)",
      (doc: ReturnType<typeof parseDocument>) => doc.setIn(["services", 0, "units", 3, "maxRps"], 1e308),
      "services[0].units[3].maxRps",
      /must be at most 1000000: requests per second one pod serves .*; a million requests per second is beyond what one pod serves \(got 1e\+308\)/,
    ],
    [
      "a maxRps so small that KEDA's target rounds to 0",
      (doc: ReturnType<typeof parseDocument>) => doc.setIn(["services", 0, "units", 3, "maxRps"], 1e-300),
      "services[0].units[3].maxRps",
      /must be at least 0.1: requests per second one pod serves .*; KEDA's per-pod target, maxRps ÷ \(1 \+ headroom\) written with one decimal, would round to 0 below it \(got 1e-300\)/,
    ],
    [
      "an hourly price above any EC2 instance's",
      (doc: ReturnType<typeof parseDocument>) => doc.setIn(["services", 0, "units", 2, "hourlyPrice"], 1e308),
      "services[0].units[2].hourlyPrice",
      /must be at most 1000: the price of one pod's instance in USD per hour, e.g. 1.006; no EC2 instance costs more than \$1000 an hour/,
    ],
    [
      "an hourly price below any EC2 instance's",
      (doc: ReturnType<typeof parseDocument>) => doc.setIn(["services", 0, "units", 2, "hourlyPrice"], 1e-12),
      "services[0].units[2].hourlyPrice",
      /must be at least 0.0001: the price of one pod's instance/,
    ],
    [
      "a unit latency longer than any ALB response",
      (doc: ReturnType<typeof parseDocument>) => doc.setIn(["services", 0, "units", 0, "latencyMs"], 1e9),
      "services[0].units[0].latencyMs",
      /must be at most 4000000: the response time in milliseconds one pod shows at maxRps, e.g. 680; no response through an ALB takes longer than its longest idle timeout, 4000 s/,
    ],
    [
      "an SLO shorter than any inference",
      (doc: ReturnType<typeof parseDocument>) => doc.setIn(["services", 0, "slo", "latencyMs"], 1e-9),
      "services[0].slo.latencyMs",
      /must be at least 1: the latency objective in milliseconds, e.g. 900; a response time under 1 ms/,
    ],
    [
      "a planning demand past a billion requests per second",
      (doc: ReturnType<typeof parseDocument>) => doc.setIn(["services", 0, "demandRps"], 1e308),
      "services[0].demandRps",
      /must be at most 1000000000: the demand in requests per second .*; a billion requests per second is beyond any one load balancer/,
    ],
    [
      "a maxReplicaCount past the 150,000 pods Kubernetes is tested to per cluster",
      (doc: ReturnType<typeof parseDocument>) =>
        doc.setIn(["services", 0, "units", 0, "maxReplicaCount"], 150_001),
      "services[0].units[0].maxReplicaCount",
      /must be a whole number from 1 to 150000: the ScaledObject's maxReplicaCount \(at most 150000: Kubernetes is tested to 150,000 pods per cluster/,
    ],
    [
      "a podsPerInstance of 0",
      (doc: ReturnType<typeof parseDocument>) => doc.setIn(["services", 0, "units", 0, "podsPerInstance"], 0),
      "services[0].units[0].podsPerInstance",
      /must be a whole number from 1 to 64: how many of the unit's pods one instance of its type holds/,
    ],
    [
      "a pod start-up longer than the forecast's hour",
      (doc: ReturnType<typeof parseDocument>) =>
        doc.setIn(["services", 0, "units", 0, "startupSeconds"], 7200),
      "services[0].units[0].startupSeconds",
      /must be a whole number from 0 to 3600: seconds from a new pod's creation to ready/,
    ],
    [
      "an unknown forecast mode",
      (doc: ReturnType<typeof parseDocument>) => doc.setIn(["services", 0, "forecast", "mode"], "predict"),
      "services[0].forecast.mode",
      /must be off, forecast-only or forecast-and-scale/,
    ],
    [
      "min replicas above max",
      (doc: ReturnType<typeof parseDocument>) => {
        doc.setIn(["services", 0, "units", 1, "minReplicaCount"], 4);
        doc.setIn(["services", 0, "units", 1, "maxReplicaCount"], 2);
      },
      "services[0].units[1].minReplicaCount",
      /4 is above maxReplicaCount 2/,
    ],
    [
      // Issue 17: a unit KEDA scales to zero never wakes on its own target group's metric.
      "minReplicaCount 0",
      (doc: ReturnType<typeof parseDocument>) => doc.setIn(["services", 0, "units", 3, "minReplicaCount"], 0),
      "services[0].units[3].minReplicaCount",
      /0 lets KEDA scale this unit to zero pods, and it could never wake up: .* does not count it in RequestCount, .* Set minReplicaCount: 1 or more/,
    ],
    [
      "fixed weights for a unit that does not exist",
      (doc: ReturnType<typeof parseDocument>) =>
        doc.setIn(["services", 0, "fixedWeights"], { "sd21-inf2": 60, "sd21-h100": 40 }),
      "services[0].fixedWeights.sd21-h100",
      /names no unit of this service; units are sd21-inf2, sd21-trn1/,
    ],
    [
      "a missing SLO",
      (doc: ReturnType<typeof parseDocument>) => doc.deleteIn(["services", 0, "slo"]),
      "services[0].slo",
      /is required: the service's latency objective, e\.g\. slo: \{ latencyMs: 900/,
    ],
    [
      "a misspelt field",
      (doc: ReturnType<typeof parseDocument>) => doc.setIn(["services", 0, "units", 0, "maxRPS"], 105),
      "services[0].units[0].maxRPS",
      /unknown field "maxRPS"/,
    ],
    [
      "a quiet period shorter than Karpenter's 3-minute cache",
      (doc: ReturnType<typeof parseDocument>) => doc.setIn(["policy", "quietPeriodMinutes"], 2),
      "policy.quietPeriodMinutes",
      /must be at least 3 minutes: Karpenter caches a failed offering for 3 minutes/,
    ],
    [
      "a weight above the ALB's 999",
      (doc: ReturnType<typeof parseDocument>) =>
        doc.setIn(["services", 0, "fixedWeights"], { "sd21-inf2": 1000 }),
      "services[0].fixedWeights.sd21-inf2",
      /must be a whole number from 0 to 999/,
    ],
    [
      "a breach count longer than its window",
      (doc: ReturnType<typeof parseDocument>) => doc.setIn(["policy", "latencyBreachMinutes"], 6),
      "policy.latencyBreachMinutes",
      /6 minutes cannot be found in a window of latencyWindowMinutes 5/,
    ],
    [
      "two units on one Service",
      (doc: ReturnType<typeof parseDocument>) =>
        doc.setIn(["services", 0, "units", 1, "service", "name"], "sd21-inf2"),
      "services[0].units[1].service.name",
      /duplicate Service "sd21-inf2"/,
    ],
    [
      "a capacity type Karpenter does not know",
      (doc: ReturnType<typeof parseDocument>) =>
        doc.setIn(["services", 0, "units", 0, "capacityType"], "spots"),
      "services[0].units[0].capacityType",
      /must be "on-demand", "spot", or the list the NodePool allows, e\.g\. \[spot, on-demand\]/,
    ],
    [
      "an on-demand price on a unit that never falls back to on-demand",
      (doc: ReturnType<typeof parseDocument>) => {
        doc.setIn(["services", 0, "units", 0, "capacityType"], "spot");
        doc.setIn(["services", 0, "units", 0, "onDemandHourlyPrice"], 0.7582);
      },
      "services[0].units[0].onDemandHourlyPrice",
      /set capacityType: \[spot, on-demand\], or drop onDemandHourlyPrice/,
    ],
    [
      "a zone listed twice",
      (doc: ReturnType<typeof parseDocument>) =>
        doc.setIn(["services", 0, "units", 0, "zones"], ["us-west-2a", "us-west-2a"]),
      "services[0].units[0].zones[1]",
      /duplicate Availability Zone "us-west-2a": zones\[0\] has it already; list each zone once/,
    ],
    [
      "a zone that is not an Availability Zone",
      (doc: ReturnType<typeof parseDocument>) =>
        doc.setIn(["services", 0, "units", 0, "zones"], ["us-west-2"]),
      "services[0].units[0].zones[0]",
      /must be an Availability Zone such as us-west-2a/,
    ],
    [
      "a risk budget above 1",
      (doc: ReturnType<typeof parseDocument>) => doc.setIn(["policy", "hedge"], { maxLossShare: 1.5 }),
      "policy.hedge.maxLossShare",
      /must be a fraction from 0 to 1: the largest share of demand the loss of one Spot cell may leave without a serving pod; 1 turns the hedge off \(got 1\.5\)/,
    ],
    [
      "a service's hedge with an unknown field",
      (doc: ReturnType<typeof parseDocument>) =>
        doc.setIn(["services", 0, "policy"], { hedge: { maxLossShares: 0.2 } }),
      "services[0].policy.hedge.maxLossShares",
      /unknown field "maxLossShares"/,
    ],
  ])("%s, naming the path and what is expected", (_case, edit, path, message) => {
    const issues = issuesOf(edited(edit));
    const issue = issues.find((i) => i.path === path);
    expect(issue, `issues were: ${JSON.stringify(issues)}`).toBeDefined();
    expect(issue?.message).toMatch(message);
    expect(issue?.line).toBeGreaterThan(0);
  });

  it("reports every error at once: six units, a negative price, a duplicate unit and a missing SLO", () => {
    const text = edited((doc) => {
      doc.addIn(["services", 0, "units"], {
        name: "sd21-inf2",
        instanceTypes: ["inf2.xlarge"],
        hourlyPrice: 0.7582,
        maxRps: 105,
        latencyMs: 670,
      });
      doc.setIn(["services", 0, "units", 2, "hourlyPrice"], -1);
      doc.deleteIn(["services", 0, "slo"]);
    });
    expect(issuesOf(text).map((i) => i.path)).toEqual([
      "services[0].slo",
      "services[0].units",
      "services[0].units[2].hourlyPrice",
      "services[0].units[5].name",
    ]);
  });

  it("YAML that does not parse, with its line", () => {
    const issues = issuesOf("cluster:\n  name: c\n  region: [us-west-2\nservices: []\n");
    expect(issues[0]?.path).toBe("(root)");
    expect(issues[0]?.message).toMatch(/not valid YAML/);
    expect(issues[0]?.line).toBeGreaterThan(0);
  });

  it("an empty file, saying what is required", () => {
    const issues = issuesOf("");
    expect(issues[0]?.message).toMatch(/expected object|is required/);
  });
});

describe("File: schema/switchyard.schema.json", () => {
  it("is generated from the zod schema and up to date (run `npm run schema` after changing it)", () => {
    expect(readRepoFile("schema/switchyard.schema.json")).toBe(renderJsonSchema(configJsonSchema()));
  });

  it("tells editors about the five-unit limit", () => {
    const schema = configJsonSchema() as {
      properties: { services: { items: { properties: { units: { maxItems: number } } } } };
    };
    expect(schema.properties.services.items.properties.units.maxItems).toBe(5);
  });
});
