import {
  DURATION_PATTERN,
  MAX_DEMAND_RPS,
  parseDuration,
  parseRfc3339,
  RFC3339_PATTERN,
} from "@switchyard/core";
import { z } from "zod";

/**
 * A scenario file: which Switchyard config to replay, over what time, with what demand
 * and what capacity trouble, and how the simulated environment behaves. This zod schema
 * is the source of truth; `schema/scenario.schema.json` is generated from it.
 */

const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9-]+$/;

const duration = (what: string) =>
  z
    .string({ error: `must be a duration such as 90s, 15m, 2h or 1h30m: ${what}` })
    .regex(new RegExp(DURATION_PATTERN), {
      error: `must be a duration such as 90s, 15m, 2h or 1h30m: ${what}`,
      abort: true,
    })
    .refine((text) => parseDuration(text) !== null, {
      error: `is too long to count in milliseconds: ${what}`,
      abort: true,
    })
    .refine((text) => parseDuration(text) !== 0, { error: `must be longer than zero: ${what}` });

/** A moment in the run: an offset from `start` (`26h30m`) or an RFC 3339 time. */
const instant = (what: string) =>
  z
    .string({
      error: `must be an offset from start such as 10h30m, or a time such as 2024-11-14T10:30:00Z: ${what}`,
    })
    .refine((text) => parseDuration(text) !== null || parseRfc3339(text) !== null, {
      error: `must be an offset from start such as 10h30m, or a time such as 2024-11-14T10:30:00Z: ${what}`,
    })
    .meta({ description: `${what}: an offset from start (e.g. 10h30m) or an RFC 3339 time.` });

const rps = (what: string) =>
  z
    .number({ error: `must be a number of requests per second >= 0: ${what}` })
    .min(0, { error: `must be a number of requests per second >= 0: ${what}` })
    .max(MAX_DEMAND_RPS.value, {
      error: `must be at most ${MAX_DEMAND_RPS.value} requests per second: ${what}; ${MAX_DEMAND_RPS.why}`,
    })
    .refine(Number.isFinite, { error: `must be a finite number: ${what}` });

const fraction = (what: string, min: number, max: number) =>
  z
    .number({ error: `must be a number from ${min} to ${max}: ${what}` })
    .min(min, { error: `must be a number from ${min} to ${max}: ${what}` })
    .max(max, { error: `must be a number from ${min} to ${max}: ${what}` });

const noise = {
  noisePercent: fraction("random noise added to each minute's demand, in percent", 0, 100)
    .default(0)
    .meta({ description: "Each minute's demand is multiplied by 1 ± this percentage (uniform, seeded)." }),
  seed: z
    .number({ error: "must be a whole number: the noise's random seed" })
    .int({ error: "must be a whole number: the noise's random seed" })
    .default(1)
    .meta({ description: "Seed of the noise, so a run is reproducible." }),
};

const ConstantDemand = z
  .strictObject({ shape: z.literal("constant"), rps: rps("the demand"), ...noise })
  .meta({ description: "The same demand all the time." });

const CosineDemand = z
  .strictObject({
    shape: z.literal("cosine"),
    min: rps("the demand at the trough"),
    max: rps("the demand at the peak"),
    period: duration("time from one peak to the next, e.g. 24h"),
    peakAt: instant("the first peak").optional().meta({
      description:
        "When demand first peaks; defaults to half a period after start (the run starts at a trough).",
    }),
    ...noise,
  })
  .meta({ description: "A daily wave: min at the troughs, max at the peaks (the seed's load cycles)." });

const StepsDemand = z
  .strictObject({
    shape: z.literal("steps"),
    steps: z
      .array(
        z.strictObject({ from: instant("when this level starts"), rps: rps("the demand from then on") }),
        { error: "must be a list of { from, rps }" },
      )
      .min(1, { error: "must list at least one step" }),
    ...noise,
  })
  .meta({ description: "Piecewise constant demand; the first step must start at 0s." });

const CsvDemand = z
  .strictObject({
    shape: z.literal("csv"),
    file: z.string({ error: "must be a path to a CSV file, relative to the scenario file" }).min(1),
    column: z
      .union([z.string().min(1), z.number().int().min(0)], {
        error: "must be a column name from the header row or a 0-based column index",
      })
      .optional()
      .meta({ description: "Which column holds requests/s; defaults to the last one." }),
    ...noise,
  })
  .meta({ description: "One row per minute from start: requests per second (a header row is allowed)." });

const CloudWatchDemand = z
  .strictObject({
    shape: z.literal("cloudwatch"),
    file: z
      .string({
        error:
          "must be a path, relative to the scenario file, to the JSON `aws cloudwatch get-metric-data` printed or a CSV exported from the CloudWatch console",
      })
      .min(1),
    series: z
      .union([z.string().min(1), z.number().int().min(1)], {
        error:
          "must be the MetricDataResults Id or Label (JSON), or the CSV column's header or 0-based index (column 0 holds the timestamps)",
      })
      .optional()
      .meta({
        description:
          "Which series, when the file holds more than one (a get-metric-data Id or Label, a CSV column).",
      }),
    align: z
      .enum(["first-datapoint", "wall-clock"], { error: "must be first-datapoint or wall-clock" })
      .default("first-datapoint")
      .meta({
        description:
          "first-datapoint: the trace's first datapoint is replayed at the run's start; wall-clock: each datapoint at its own time (the run's start must lie within the trace).",
      }),
    ...noise,
  })
  .meta({
    description:
      "An ALB's recorded RequestCount (Sum per period): sorted by time, its period detected and turned into requests/s; minutes with no datapoint are no traffic.",
  });

const DemandSchema = z.discriminatedUnion(
  "shape",
  [ConstantDemand, CosineDemand, StepsDemand, CsvDemand, CloudWatchDemand],
  {
    error: "must be a demand shape: constant, cosine, steps, csv or cloudwatch (demand.shape)",
  },
);

const AVAILABILITY_ZONE = /^[a-z]{2}(-[a-z]+)+-\d+[a-z]$/;

const CapacityEventSchema = z
  .strictObject({
    instanceType: z
      .string()
      .regex(INSTANCE_TYPE, { error: "must be an EC2 instance type such as inf2.xlarge" }),
    zone: z
      .string({ error: "must be an Availability Zone such as us-west-2a" })
      .regex(AVAILABILITY_ZONE, { error: "must be an Availability Zone such as us-west-2a" })
      .optional()
      .meta({
        description:
          "Only this Availability Zone loses the capacity: it affects the units whose zones list it (their pods spread over their zones). Without it, every zone.",
      }),
    capacityType: z.enum(["spot", "on-demand"], { error: 'must be "spot" or "on-demand"' }).optional().meta({
      description:
        "Only this capacity type is out (a Spot trace: spot); a unit whose NodePool also allows the other falls back to it, as Karpenter does. Without it, both.",
    }),
    from: instant("when EC2 stops giving this instance type"),
    to: instant("when capacity returns"),
    podsLost: z.boolean({ error: "must be true or false" }).default(false).meta({
      description: "Whether the running pods on this instance type are lost when the window opens.",
    }),
    warning: z
      .union(
        [
          z.literal("none"),
          z
            .string()
            .regex(new RegExp(DURATION_PATTERN), { abort: true })
            .refine((text) => parseDuration(text) !== null && (parseDuration(text) ?? 0) > 0),
        ],
        {
          error:
            'must be how long before the pods go EC2 warns, e.g. 2m (the Spot default), or "none" for a loss without warning',
        },
      )
      .optional()
      .meta({
        description:
          'For a window with podsLost: when EC2 sends each lost Spot instance its interruption warning, before the pods go (default 2m, the Spot notice; "none": no warning, as for a failed host or a notice EC2 did not deliver). On-demand pods get none.',
      }),
    repeat: z
      .strictObject({
        every: duration("time from one window's start to the next"),
        times: z
          .number({ error: "must be a whole number from 1 to 1000" })
          .int({ error: "must be a whole number from 1 to 1000" })
          .min(1, { error: "must be a whole number from 1 to 1000" })
          .max(1000, { error: "must be a whole number from 1 to 1000" }),
      })
      .optional()
      .meta({ description: "Repeat the window (times in all, the first included) for flapping capacity." }),
  })
  .meta({ description: "A window in which no new instance of this type can start." });

const LatencyModelSchema = z
  .strictObject({
    idleFraction: fraction("p95 at no load as a fraction of the unit's latencyMs", 0.05, 1)
      .default(0.8)
      .meta({ description: "p95 latency at zero load, as a fraction of the unit's measured latencyMs." }),
    curveExponent: fraction("how late below the breaking point latency starts to rise", 1, 20)
      .default(4)
      .meta({
        description: "p95 = latencyMs × (idle + (1 − idle) × utilization^exponent) up to the breaking point.",
      }),
    overloadSlope: fraction("how steeply p95 rises past the breaking point", 0, 100)
      .default(6)
      .meta({ description: "Past maxRps, p95 grows by this × latencyMs per unit of utilization over 1." }),
    saturation: fraction("a pod's most requests/s, as a multiple of maxRps", 1, 3).default(1.2).meta({
      description: "Where a pod's throughput plateaus, as a multiple of maxRps; more requests queue.",
    }),
    queueSeconds: fraction("the longest queueing delay before requests fail", 0, 600)
      .default(5)
      .meta({ description: "Queue bound in seconds of work; requests beyond it fail with 5xx." }),
    spread: fraction("sigma of the log-normal spread of response times", 0.01, 2)
      .default(0.25)
      .meta({ description: "σ of the log-normal response-time distribution around each unit's p95." }),
  })
  .meta({ description: "How a pod's latency follows its load (see docs/simulator.md)." });

const KedaModelSchema = z
  .strictObject({
    pollingInterval: duration("how often KEDA/HPA recompute replicas").default("30s"),
    metricWindow: duration("the window KEDA's CloudWatch query averages").default("1m"),
    tolerance: fraction("HPA tolerance", 0, 1).default(0.1).meta({
      description: "HPA leaves replicas alone while metric ÷ (target × replicas) is within 1 ± this.",
    }),
    scaleDownStabilization: duration("HPA scale-down stabilization window").default("5m"),
    ignoreNullValues: z.boolean({ error: "must be true or false" }).default(true).meta({
      description:
        "The aws-cloudwatch trigger's ignoreNullValues (KEDA's default true): a minute with no datapoint reads as minMetricValue, 0; false: it is an error and the HPA leaves replicas as they are.",
    }),
  })
  .meta({ description: "KEDA ScaledObject → HPA behaviour." });

const perUnit = <T extends z.ZodType>(value: T, what: string) =>
  z.record(z.string().min(1), value, { error: `must map each unit's name to ${what}` });

const kedaTargets = (what: string) =>
  perUnit(
    z
      .number({ error: `must be a number of requests/s per pod above 0: ${what}` })
      .positive({ error: `must be a number of requests/s per pod above 0: ${what}` }),
    `its KEDA targetMetricValue (requests/s per pod) in ${what}`,
  );

const SeedReferenceSchema = z
  .strictObject({
    weighted: z
      .strictObject({
        weights: perUnit(
          z
            .number({ error: "must be a whole ALB target-group weight from 0 to 999" })
            .int({ error: "must be a whole ALB target-group weight from 0 to 999" })
            .min(0, { error: "must be a whole ALB target-group weight from 0 to 999" })
            .max(999, { error: "must be a whole ALB target-group weight from 0 to 999" }),
          "its weight in the weighted-routing Ingress",
        ),
        targets: kedaTargets("the weighted-routing ScaledObjects"),
      })
      .meta({
        description:
          "The weighted-routing Ingress's target-group weights and the weighted-routing ScaledObjects' targetMetricValue, per unit.",
      }),
    equal: z.strictObject({ targets: kedaTargets("the equal-routing ScaledObjects") }).meta({
      description:
        "The equal-routing ScaledObjects' targetMetricValue per unit; the equal-routing Ingress sends everything to the consolidated Service at weight 100.",
    }),
  })
  .meta({
    description:
      "The hand-set manifests the seed's controller applies (seed-reference policy): weighted routing in normal times, equal routing after a capacity error. Without it, seed-reference uses the least-cost weights at the run's peak.",
  });

export const ScenarioSchema = z
  .strictObject({
    $schema: z.string().optional(),
    name: z
      .string({ error: "must be a name of letters, digits and '-' (used for the output folder)" })
      .regex(/^[a-z0-9][a-z0-9-]*$/, {
        error: "must be a name of lowercase letters, digits and '-' (used for the output folder)",
      }),
    description: z.string().optional(),
    config: z
      .string({ error: "must be the path of a Switchyard config, relative to this file" })
      .min(1, { error: "must be the path of a Switchyard config, relative to this file" })
      .meta({ description: "The Switchyard config to replay, relative to the scenario file." }),
    service: z
      .string()
      .optional()
      .meta({ description: "Which service of the config; defaults to the first." }),
    start: z
      .string({ error: "must be an RFC 3339 time such as 2024-11-14T00:00:00Z" })
      .regex(new RegExp(RFC3339_PATTERN), {
        error: "must be an RFC 3339 time such as 2024-11-14T00:00:00Z",
        abort: true,
      })
      .refine((text) => parseRfc3339(text) !== null, {
        error:
          "must be a day and time that exist (month 1–12, a day of that month, hour 0–23), e.g. 2024-11-14T00:00:00Z",
      })
      .meta({ description: "When the run starts (UTC)." }),
    duration: duration("how long the run lasts, e.g. 48h"),
    step: duration("the simulation step; must divide one minute").default("60s"),
    demand: DemandSchema,
    capacity: z.array(CapacityEventSchema, { error: "must be a list of capacity windows" }).default([]),
    units: z
      .record(
        z.string().min(1),
        z.strictObject(
          {
            capacityType: z
              .union([z.enum(["spot", "on-demand"]), z.array(z.enum(["spot", "on-demand"])).min(1)], {
                error: 'must be "on-demand", "spot", or a list such as [spot, on-demand]',
              })
              .optional(),
            zones: z
              .array(
                z
                  .string()
                  .regex(AVAILABILITY_ZONE, { error: "must be an Availability Zone such as us-west-2a" }),
                { error: "must be a list of Availability Zones" },
              )
              .min(1, { error: "must list at least one Availability Zone" })
              .optional(),
          },
          {
            error:
              "must be a unit's capacityType and zones, e.g. { capacityType: spot, zones: [us-west-2a] }",
          },
        ),
        { error: "must map unit names to { capacityType, zones }" },
      )
      .default({})
      .meta({
        description:
          "Per unit of the config: its capacityType and zones for this run, in place of the config's (what the replayed service's NodePools launch). The controller plans with them too.",
      }),
    seedReference: SeedReferenceSchema.optional(),
    podStartup: z
      .strictObject({
        default: duration("time from a pod's creation to ready, for any instance type").default("6m"),
        instanceTypes: z
          .record(
            z.string().regex(INSTANCE_TYPE, { error: "must be an EC2 instance type" }),
            duration("pod start-up"),
          )
          .default({}),
      })
      .prefault({})
      .meta({
        description: "Node launch + image pull + model load until the pod is ready (seed 003: 5-15 min).",
      }),
    latency: LatencyModelSchema.prefault({}),
    keda: KedaModelSchema.prefault({}),
    alb: z
      .strictObject({
        ruleLag: duration("time the Load Balancer Controller takes to apply an Ingress change").default(
          "15s",
        ),
      })
      .prefault({}),
    karpenter: z
      .strictObject({
        offeringCache: duration("how long Karpenter waits before retrying a failed offering").default("3m"),
        cloudTrailDelay: duration("CloudTrail → EventBridge delivery delay of a capacity error").default(
          "1m",
        ),
      })
      .prefault({}),
    cloudwatch: z
      .strictObject({
        publishDelay: duration("how long after a minute ends its ALB datapoints appear").default("1m"),
        gaps: z
          .array(
            z
              .strictObject({
                from: instant("the first minute whose ALB metrics are missing"),
                to: instant("the end of the gap (exclusive)"),
              })
              .meta({
                description:
                  "Minutes whose ALB datapoints CloudWatch never publishes while traffic still flows: the controller reads them as unknown demand, and KEDA's aws-cloudwatch trigger reads no datapoint (see keda.ignoreNullValues).",
              }),
            { error: "must be a list of { from, to } windows" },
          )
          .default([])
          .meta({
            description:
              "CloudWatch gaps: traffic flows and is served, but no ALB metric of those minutes appears. Not the same as minutes with no traffic (demand 0), which have no datapoint either because nothing happened.",
          }),
      })
      .prefault({}),
  })
  .meta({ title: "Switchyard simulator scenario" });

export type ParsedScenario = z.output<typeof ScenarioSchema>;
export type ParsedDemand = z.output<typeof DemandSchema>;
export type LatencyParameters = z.output<typeof LatencyModelSchema>;
