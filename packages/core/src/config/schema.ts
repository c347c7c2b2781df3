import { z } from "zod";

/**
 * The one config file. This zod schema is the source of truth: the JSON Schema in
 * `schema/switchyard.schema.json` is generated from it, and `loadConfig` validates
 * with it before the semantic checks in `semantic-checks.ts`.
 */

const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** Whether `name` can be a deployment unit's (or service's) name: a Kubernetes DNS label. */
export function isUnitName(name: string): boolean {
  return name.length <= 63 && DNS_LABEL.test(name);
}
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9-]+$/;
const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const AVAILABILITY_ZONE = /^[a-z]{2}(-[a-z]+)+-\d+[a-z]$/;

/**
 * Karpenter's `karpenter.sh/capacity-type` values a unit's NodePool may launch
 * (kubernetes-sigs/karpenter pkg/apis/v1/labels.go, v1.14: spot, on-demand, reserved;
 * reserved capacity is not modelled here). Only Spot capacity can be reclaimed.
 */
export const CAPACITY_TYPES = ["on-demand", "spot"] as const;
export type CapacityType = (typeof CAPACITY_TYPES)[number];

const capacityTypeValue = z.enum(CAPACITY_TYPES, {
  error: 'must be "on-demand" or "spot" (Karpenter\'s karpenter.sh/capacity-type values)',
});

const dnsLabel = (what: string) =>
  z
    .string({ error: `must be a string: the ${what}` })
    .max(63, { error: `must be at most 63 characters (a Kubernetes DNS label): the ${what}` })
    .regex(DNS_LABEL, {
      error: `must be a DNS label (lowercase letters, digits and '-', starting with a letter): the ${what}`,
    });

const objectName = (what: string) =>
  z
    .string({ error: `must be a string: the ${what}` })
    .max(253, { error: `must be at most 253 characters: the ${what}` })
    .regex(DNS_SUBDOMAIN, {
      error: `must be a Kubernetes object name (lowercase letters, digits, '-' and '.'): the ${what}`,
    });

/**
 * A positive quantity bounded to what the field can mean: past the bounds the planning
 * math leaves the numbers it can represent (a KEDA target of 0, a bill of $Infinity).
 * Each message names the bound and why it is there.
 */
const positive = (what: string, bounds: { readonly min?: Bound; readonly max: Bound }) => {
  const field = z
    .number({ error: `must be a number: ${what}` })
    .positive({ error: `must be a positive number: ${what}`, abort: true });
  const min = bounds.min;
  const atLeast =
    min === undefined
      ? field
      : field.min(min.value, { error: `must be at least ${min.value}: ${what}; ${min.why}`, abort: true });
  return atLeast.max(bounds.max.value, {
    error: `must be at most ${bounds.max.value}: ${what}; ${bounds.max.why}`,
  });
};

interface Bound {
  readonly value: number;
  readonly why: string;
}

/** The ALB's longest idle timeout is 4000 s: no response through it takes longer. */
export const LONGEST_RESPONSE_MS: Bound = {
  value: 4_000_000,
  why: "no response through an ALB takes longer than its longest idle timeout, 4000 s",
};
const SHORTEST_RESPONSE_MS: Bound = { value: 1, why: "a response time under 1 ms is not an inference's" };

/** What one pod can serve: bounds a unit's maxRps, and a load test's rates. */
export const MAX_POD_RPS: Bound = {
  value: 1_000_000,
  why: "a million requests per second is beyond what one pod serves",
};

/** Demand a service can be planned for; also bounds `switchyard plan --demand`. */
export const MAX_DEMAND_RPS: Bound = {
  value: 1_000_000_000,
  why: "a billion requests per second is beyond any one load balancer",
};

/**
 * The most pods one unit may scale to: Kubernetes' tested limit of 150,000 pods per
 * cluster ("Considerations for large clusters", kubernetes.io/docs/setup/best-practices/cluster-large/).
 */
const MAX_PODS: Bound = {
  value: 150_000,
  why: "Kubernetes is tested to 150,000 pods per cluster (kubernetes.io, Considerations for large clusters)",
};

/** Pods one instance may hold: a pod takes at least one accelerator core, and trn1.32xlarge, the most split, has 32 NeuronCores. */
const MAX_PODS_PER_INSTANCE: Bound = { value: 64, why: "no accelerator instance has more cores to split" };

/** The seed's pods take 5-15 minutes to serve (seed 003); without a figure, plan for the middle. */
const DEFAULT_STARTUP_SECONDS = 600;
const STARTUP_SECONDS_MAX = 3600;

const wholeNumber = (what: string, min: number, max: number) =>
  z
    .number({ error: `must be a whole number from ${min} to ${max}: ${what}` })
    .int({ error: `must be a whole number from ${min} to ${max}: ${what}` })
    .min(min, { error: `must be a whole number from ${min} to ${max}: ${what}` })
    .max(max, { error: `must be a whole number from ${min} to ${max}: ${what}` });

const port = z
  .union([wholeNumber("the Service port", 1, 65535), z.string().regex(DNS_LABEL)], {
    error: "must be a port number (1-65535) or a port name of the Service",
  })
  .meta({ description: "Service port: a number or the port's name." });

const ServiceRefSchema = z
  .strictObject({
    name: dnsLabel("Kubernetes Service name").optional().meta({
      description: "Service name; defaults to the unit's name.",
    }),
    port: port.default(80),
  })
  .meta({ description: "The Kubernetes Service the ALB forwards to." });

const ScaledObjectRefSchema = z
  .strictObject({
    name: objectName("KEDA ScaledObject name").optional().meta({
      description: "ScaledObject name; defaults to the unit's name.",
    }),
    triggerType: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/, { error: "must be a KEDA scaler type such as aws-cloudwatch" })
      .default("aws-cloudwatch")
      .meta({
        description:
          "The type of the trigger in spec.triggers that carries the per-pod target; the ScaledObject must have exactly one of it (or name it with triggerName).",
      }),
    triggerIndex: z
      .never({
        error:
          "is no longer read: the trigger is found by its type; set scaledObject.triggerType (default aws-cloudwatch), and scaledObject.triggerName if there are several of that type",
      })
      .optional()
      .meta({ description: "Removed: use triggerType (and triggerName)." }),
    triggerName: z.string().min(1).optional().meta({
      description:
        "The trigger's `name` (spec.triggers[].name), when the ScaledObject has more than one trigger of triggerType.",
    }),
    metadataKey: z.string().min(1).default("targetMetricValue").meta({
      description: "The trigger metadata key holding the per-pod target (aws-cloudwatch: targetMetricValue).",
    }),
  })
  .meta({ description: "The KEDA ScaledObject that scales this unit's Deployment." });

const DeploymentUnitSchema = z
  .strictObject(
    {
      name: dnsLabel("deployment unit name"),
      service: ServiceRefSchema.prefault({}),
      deployment: objectName("Deployment name")
        .optional()
        .meta({ description: "Deployment name; defaults to the unit's name." }),
      scaledObject: ScaledObjectRefSchema.prefault({}),
      instanceTypes: z
        .array(
          z.string().regex(INSTANCE_TYPE, {
            error: "must be an EC2 instance type such as inf2.xlarge",
          }),
          { error: "must be a list of EC2 instance types, e.g. [inf2.xlarge]" },
        )
        .min(1, { error: "must list at least one EC2 instance type the unit's pods run on" })
        .meta({
          description:
            "EC2 instance types the unit's nodes use; capacity errors for these fail the unit over.",
        }),
      hourlyPrice: positive("the price of one pod's instance in USD per hour, e.g. 1.006", {
        min: { value: 0.0001, why: "a hundredth of a cent an hour is below any EC2 price" },
        max: { value: 1000, why: "no EC2 instance costs more than $1000 an hour" },
      }).meta({
        description: "USD per hour for one pod (its instance), e.g. g5.xlarge On-Demand 1.006.",
      }),
      maxRps: positive(
        "requests per second one pod serves at its breaking point (seed 000's method), e.g. 90",
        {
          min: {
            value: 0.1,
            why: "KEDA's per-pod target, maxRps ÷ (1 + headroom) written with one decimal, would round to 0 below it",
          },
          max: MAX_POD_RPS,
        },
      ).meta({
        description:
          "Breaking point: the highest requests/s one pod serves. `switchyard calibrate` measures it: by default the highest rate whose latency is within the SLO and whose served rate keeps up; with `--limit throughput` the last rate before throughput stops following, as the seed's Table 2 was read (seed 003), where latencyMs may be above the SLO.",
      }),
      latencyMs: positive("the response time in milliseconds one pod shows at maxRps, e.g. 680", {
        min: SHORTEST_RESPONSE_MS,
        max: LONGEST_RESPONSE_MS,
      }).meta({
        description: "Response time (ms) measured at maxRps.",
      }),
      capacityType: z
        .union(
          [
            capacityTypeValue,
            z
              .array(capacityTypeValue, {
                error:
                  'must be "on-demand", "spot", or the list the NodePool allows, e.g. [spot, on-demand] (karpenter.sh/capacity-type values)',
              })
              .min(1, {
                error:
                  'must list at least one capacity type, e.g. [spot, on-demand]; leave the field out for "on-demand"',
              }),
          ],
          {
            error:
              'must be "on-demand", "spot", or the list the NodePool allows, e.g. [spot, on-demand] (karpenter.sh/capacity-type values)',
          },
        )
        .optional()
        .meta({
          default: "on-demand",
          description:
            "What the unit's NodePool launches (its karpenter.sh/capacity-type requirement): on-demand (the default), spot, or [spot, on-demand] when Karpenter may fall back to on-demand. Only Spot pods can be reclaimed, and the hedge (policy.hedge) covers their loss.",
        }),
      onDemandHourlyPrice: positive(
        "the price in USD per hour of one instance when Karpenter launches it on-demand, e.g. 0.7582",
        {
          min: { value: 0.0001, why: "a hundredth of a cent an hour is below any EC2 price" },
          max: { value: 1000, why: "no EC2 instance costs more than $1000 an hour" },
        },
      )
        .optional()
        .meta({
          description:
            "For a unit with capacityType [spot, on-demand]: the on-demand price of a pod, paid while Karpenter falls back from Spot; defaults to hourlyPrice (the Spot price).",
        }),
      zones: z
        .array(
          z.string().regex(AVAILABILITY_ZONE, {
            error: "must be an Availability Zone such as us-west-2a",
          }),
          { error: "must be a list of Availability Zones, e.g. [us-west-2a, us-west-2b, us-west-2c]" },
        )
        .min(1, { error: "must list at least one Availability Zone, or leave the field out" })
        .optional()
        .meta({
          description:
            "Availability Zones the unit's pods spread over evenly (a topologySpreadConstraint on topology.kubernetes.io/zone, or Karpenter's zone spread). With zones, a Spot loss is one (unit, zone) cell, and the hedge covers the largest cell rather than the whole unit.",
        }),
      minReplicaCount: wholeNumber("the ScaledObject's minReplicaCount", 0, 1000).default(1).meta({
        description: "The ScaledObject's minReplicaCount: pods that run (and are paid for) at any demand.",
      }),
      maxReplicaCount: wholeNumber(
        `the ScaledObject's maxReplicaCount (at most ${MAX_PODS.value}: ${MAX_PODS.why})`,
        1,
        MAX_PODS.value,
      )
        .default(100)
        .meta({ description: "The ScaledObject's maxReplicaCount (KEDA's default is 100)." }),
      podsPerInstance: wholeNumber(
        "how many of the unit's pods one instance of its type holds (Karpenter packs them)",
        1,
        MAX_PODS_PER_INSTANCE.value,
      )
        .default(1)
        .meta({
          description:
            "Pods of this unit one instance runs, e.g. 3 inf2-bs8-tp8 pods on an inf2.48xlarge (the LLM post, seed 000): hourlyPrice stays the instance's price and one pod costs hourlyPrice ÷ podsPerInstance.",
        }),
      startupSeconds: wholeNumber(
        "seconds from a new pod's creation to ready: node launch, image pull and model load",
        0,
        STARTUP_SECONDS_MAX,
      )
        .default(DEFAULT_STARTUP_SECONDS)
        .meta({
          description:
            "Seconds a new pod of this unit takes to serve (seed 003: 5-15 min). The forecast floor starts pods this long before a forecast ramp, as EC2 Auto Scaling's SchedulingBufferTime.",
        }),
    },
    { error: "must be a deployment unit: { name, instanceTypes, hourlyPrice, maxRps, latencyMs, ... }" },
  )
  .meta({ description: "One model on one accelerator with one framework, e.g. sd21-inf2." });

const SloSchema = z
  .strictObject(
    {
      latencyMs: positive("the latency objective in milliseconds, e.g. 900", {
        min: SHORTEST_RESPONSE_MS,
        max: LONGEST_RESPONSE_MS,
      }),
      statistic: z
        .enum(["p50", "p90", "p95", "p99", "average"], {
          error: "must be one of p50, p90, p95, p99, average",
        })
        .default("p95"),
    },
    { error: "must be the service's latency objective, e.g. slo: { latencyMs: 900, statistic: p95 }" },
  )
  .meta({ description: "Latency objective measured on ALB TargetResponseTime." });

const StickinessSchema = z
  .strictObject({
    enabled: z.boolean({ error: "must be true or false" }),
    durationSeconds: wholeNumber(
      "stickiness duration in seconds (ELBv2 allows 1-604800)",
      1,
      604800,
    ).optional(),
  })
  .meta({
    description: "forwardConfig.targetGroupStickinessConfig; when absent the current annotation's is kept.",
  });

const policyFields = {
  capacityErrorWindowMinutes: wholeNumber(
    "minutes a capacity error counts against its instance type",
    1,
    120,
  ).meta({ description: "A capacity error counts against its instance type for this many minutes." }),
  unschedulableGraceSeconds: wholeNumber(
    "seconds a pod may stay unschedulable before it counts",
    0,
    3600,
  ).meta({ description: "Pods unschedulable for longer than this count as a capacity failure." }),
  latencyBreachMinutes: wholeNumber(
    "minutes over the SLO (K of the last M) that count as a breach",
    1,
    60,
  ).meta({
    description: "K: minutes above the SLO, out of the last latencyWindowMinutes, that make a breach.",
  }),
  latencyWindowMinutes: wholeNumber("minutes looked back for latency breaches (M)", 1, 60).meta({
    description: "M: how many recent minutes of latency are judged.",
  }),
  quietPeriodMinutes: z
    .number({ error: "must be a number of minutes, at least 3 (Karpenter caches failed offerings for 3)" })
    .min(3, { error: "must be at least 3 minutes: Karpenter caches a failed offering for 3 minutes" })
    .max(1440, { error: "must be at most 1440 minutes" })
    .meta({
      description: "Minutes every causing unit must be clear of capacity errors before a fallback.",
    }),
  minDwellMinutes: z
    .number({ error: "must be a number of minutes from 0 to 1440" })
    .min(0, { error: "must be a number of minutes from 0 to 1440" })
    .max(1440, { error: "must be a number of minutes from 0 to 1440" })
    .meta({
      description: "Minimum minutes in a mode before a fallback or rebalance (never delays a failover).",
    }),
  maxSwitchesPerHour: wholeNumber("mode switches allowed in any 60 minutes (at least 2)", 2, 60).meta({
    description:
      "Cap on switches in any 60 minutes. A fallback or rebalance waits until it and a failover that might undo it both fit; failovers are never held.",
  }),
  undoneFallbackQuietMultiplier: z
    .number({ error: "must be a number from 1 to 10" })
    .min(1, { error: "must be a number from 1 to 10" })
    .max(10, { error: "must be a number from 1 to 10" })
    .meta({
      description: "Quiet period multiplier after a fallback that had to be undone by a new failover.",
    }),
  rebalanceDeadBandPercent: z
    .number({ error: "must be a percentage from 0 to 100" })
    .min(0, { error: "must be a percentage from 0 to 100" })
    .max(100, { error: "must be a percentage from 0 to 100" })
    .meta({
      description:
        "A rebalance must save more than this percent of the cost above the minReplicaCount floor, in every measured minute of the sustain window.",
    }),
  rebalanceSustainMinutes: wholeNumber(
    "minutes the weights must stay moved before a rebalance",
    0,
    1440,
  ).meta({ description: "How many measured minutes the rebalance's saving must last." }),
  receiverReadyTimeoutSeconds: wholeNumber(
    "seconds a failover waits for receiving units before moving traffic",
    0,
    3600,
  ).meta({
    description:
      "Make-before-break on failover: the receivers' pods start when the switch begins; traffic moves after at most this long, ready or not — a degraded service must not wait.",
  }),
  receiverHoldSeconds: wholeNumber("seconds receivers stay held after traffic moves", 0, 3600).meta({
    description:
      "After traffic moves, receivers stay at their planned pods this long, so KEDA's metric (aws-cloudwatch collects 300 s by default) shows their new load before KEDA scales them again.",
  }),
  calmMoveReadyTimeoutSeconds: wholeNumber(
    "seconds a fallback or rebalance waits for receiving units",
    0,
    7200,
  ).meta({
    description:
      "A fallback or rebalance waits this long for its receiving units' pods, then rolls back instead of moving traffic onto pods that are not there.",
  }),
  verifyTimeoutSeconds: wholeNumber("seconds to wait for the ALB to show the new weights", 10, 3600).meta({
    description: "Longest wait for the Load Balancer Controller to apply the new weights.",
  }),
  lossResponse: z
    .enum(["compare", "failover"], {
      error:
        'must be "compare" (answer a loss inside cost mode when that serves at least as much) or "failover" (always fail over to capacity mode, as the seed does)',
    })
    .meta({
      description:
        "How a unit that cannot get capacity is answered: compare routing around it in cost mode with capacity mode and take the one that serves more (cost mode on a tie), or always fail over to capacity mode.",
    }),
};

/** The policy's defaults, documented in docs/operations.md; the example config spells them out. */
export const POLICY_DEFAULTS = {
  capacityErrorWindowMinutes: 5,
  unschedulableGraceSeconds: 120,
  latencyBreachMinutes: 3,
  latencyWindowMinutes: 5,
  quietPeriodMinutes: 10,
  minDwellMinutes: 10,
  maxSwitchesPerHour: 4,
  undoneFallbackQuietMultiplier: 2,
  rebalanceDeadBandPercent: 10,
  rebalanceSustainMinutes: 15,
  receiverReadyTimeoutSeconds: 30,
  receiverHoldSeconds: 300,
  calmMoveReadyTimeoutSeconds: 1800,
  verifyTimeoutSeconds: 180,
  lossResponse: "compare",
} as const satisfies { readonly [K in keyof typeof policyFields]: number | string };

type PolicyFields = typeof policyFields;

function withDefaults(fields: PolicyFields): { [K in keyof PolicyFields]: z.ZodDefault<PolicyFields[K]> } {
  const entries = Object.entries(fields).map(([key, field]) => [
    key,
    // Each field's default has the field's own type (POLICY_DEFAULTS satisfies the fields).
    (field as z.ZodType as z.ZodNumber).default(POLICY_DEFAULTS[key as keyof PolicyFields] as number),
  ]);
  return Object.fromEntries(entries) as { [K in keyof PolicyFields]: z.ZodDefault<PolicyFields[K]> };
}

/**
 * The hedge's default risk budget, chosen from the cost–risk frontier of the bundled Spot
 * scenarios (docs/planning.md, "The hedge"): the largest share of demand the loss of one
 * Spot cell may leave without a serving pod until replacements start.
 */
export const HEDGE_DEFAULTS = { maxLossShare: 0.05 } as const;

const maxLossShare = z
  .number({
    error:
      "must be a fraction from 0 to 1: the largest share of demand the loss of one Spot cell (a Spot unit, or one zone of it) may leave without a serving pod, e.g. 0.1; 0 covers any one loss fully, 1 turns the hedge off",
  })
  .min(0, {
    error:
      "must be a fraction from 0 to 1: the largest share of demand the loss of one Spot cell may leave without a serving pod; 0 covers any one loss fully",
  })
  .max(1, {
    error:
      "must be a fraction from 0 to 1: the largest share of demand the loss of one Spot cell may leave without a serving pod; 1 turns the hedge off",
  })
  .meta({
    description:
      "The largest share of demand that losing any one Spot cell's running pods (a Spot unit, or one of its zones) may leave without a serving pod until replacements start. The cost plan keeps enough standing pods elsewhere that what remains at their breaking points covers demand × (1 − maxLossShare). 0 covers any single loss in full; 1 is no hedge. Services without Spot units pay nothing for it.",
  });

const HedgeSchema = z
  .strictObject(
    { maxLossShare: maxLossShare.default(HEDGE_DEFAULTS.maxLossShare) },
    { error: "must be the hedge's risk budget, e.g. hedge: { maxLossShare: 0.1 }" },
  )
  .meta({ description: "Risk budget of plans with Spot units (docs/planning.md, The hedge)." });

const HedgeOverridesSchema = z
  .strictObject(
    { maxLossShare: maxLossShare.optional() },
    { error: "must be the hedge's risk budget, e.g. hedge: { maxLossShare: 0.25 }" },
  )
  .meta({ description: "This service's risk budget, overriding the top-level policy.hedge." });

const PolicySchema = z
  .strictObject({ ...withDefaults(policyFields), hedge: HedgeSchema.prefault({}) })
  .meta({ description: "Decision thresholds; every field has a documented default." });

/** A service's overrides of the top-level policy: the same fields, none defaulted. */
const PolicyOverridesSchema = z
  .strictObject({ ...policyFields, hedge: HedgeOverridesSchema })
  .partial()
  .meta({ description: "Overrides of the top-level policy for this service." });

/** How the forecast floor runs; the modes of EC2 Auto Scaling predictive scaling (ForecastOnly, ForecastAndScale), and off. */
const FORECAST_MODES = ["off", "forecast-only", "forecast-and-scale"] as const;

const ForecastSchema = z
  .strictObject({
    mode: z
      .enum(FORECAST_MODES, { error: "must be off, forecast-only or forecast-and-scale" })
      .default("forecast-and-scale")
      .meta({
        description:
          "forecast-and-scale: raise each unit's minReplicaCount ahead of a forecast ramp by its startupSeconds (the floor only adds pods; KEDA scales on top). forecast-only: forecast and score it, change nothing (the KEDA targets then carry the start-up allowance themselves, see docs/planning.md). off: no history is read.",
      }),
    historyDays: wholeNumber(
      "days of RequestCount history the forecast reads (CloudWatch keeps 1-minute data 15 days)",
      1,
      14,
    )
      .default(14)
      .meta({
        description: "Days of the target groups' RequestCount history read in one GetMetricData call.",
      }),
    maxGrowthPercent: z
      .number({ error: "must be a percentage from 0 to 400" })
      .min(0, { error: "must be a percentage from 0 to 400" })
      .max(400, { error: "must be a percentage from 0 to 400" })
      .default(50)
      .meta({
        description:
          "Cap on growth: the forecast never goes more than this far above what history and the last hour support (a spike is not a new level), so a wrong forecast costs at most this share of pods.",
      }),
  })
  .meta({
    description:
      "Predictive pre-scaling from the service's own request history (docs/planning.md#forecast-floor).",
  });

const InferenceServiceSchema = z
  .strictObject(
    {
      name: dnsLabel("service name (used in execution names and metric dimensions)"),
      namespace: dnsLabel("Kubernetes namespace").default("default"),
      ingress: objectName("Ingress name"),
      action: dnsLabel("ALB action name: the backend service name with port use-annotation").meta({
        description: "The <name> of alb.ingress.kubernetes.io/actions.<name>.",
      }),
      slo: SloSchema,
      headroom: z
        .number({ error: "must be a fraction from 0 to 1, e.g. 0.1 for 10 % spare capacity" })
        .min(0, { error: "must be a fraction from 0 to 1, e.g. 0.1 for 10 % spare capacity" })
        .max(1, { error: "must be a fraction from 0 to 1, e.g. 0.1 for 10 % spare capacity" })
        .default(0.1)
        .meta({ description: "Spare capacity the plan keeps: capacity >= demand x (1 + headroom)." }),
      demandRps: positive("the demand in requests per second to plan for when none is measured", {
        max: MAX_DEMAND_RPS,
      })
        .optional()
        .meta({
          description: "Default demand for `switchyard plan`; otherwise one pod per unit at its maxRps.",
        }),
      consolidatedService: z
        .strictObject({
          name: dnsLabel("consolidated Service name"),
          port: port.default(80),
        })
        .optional()
        .meta({ description: "A Service selecting every unit's pods, used at weight 100 in capacity mode." }),
      stickiness: StickinessSchema.optional(),
      scaleUpTolerance: z
        .number({ error: "must be a fraction from 0 to 1, e.g. 0.1: the HPA's scale-up tolerance" })
        .min(0, { error: "must be a fraction from 0 to 1, e.g. 0.1: the HPA's scale-up tolerance" })
        .max(1, { error: "must be a fraction from 0 to 1, e.g. 0.1: the HPA's scale-up tolerance" })
        .default(0.1)
        .meta({
          description:
            "The HPA's scale-up tolerance: it adds pods only once metric ÷ (target × replicas) exceeds 1 + this. 0.1 is kube-controller-manager's --horizontal-pod-autoscaler-tolerance default; set lower only if every unit's ScaledObject carries spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleUp.tolerance at that value, which the HPA honours from Kubernetes 1.35 (HPAConfigurableTolerance beta) and KEDA passes through from 2.18.",
        }),
      forecast: ForecastSchema.prefault({}),
      fixedWeights: z
        .record(z.string(), wholeNumber("an ALB target group weight", 0, 999), {
          error: "must map unit names to weights from 0 to 999",
        })
        .optional()
        .meta({
          description:
            "Hand weights for cost mode (e.g. the seed's 40/20/15/10/15) instead of the optimizer's.",
        }),
      units: z
        .array(DeploymentUnitSchema, { error: "must be a list of deployment units" })
        .min(1, { error: "must list at least one deployment unit" })
        .meta({ maxItems: 5, description: "At most 5: the ALB allows 5 target groups per forward action." }),
      policy: PolicyOverridesSchema.optional(),
    },
    { error: "must be a service: { name, ingress, action, slo, units, ... }" },
  )
  .meta({ description: "One inference service: one Ingress action over its deployment units." });

export const SwitchyardConfigSchema = z
  .strictObject({
    $schema: z.string().optional(),
    cluster: z.strictObject(
      {
        name: objectName("EKS cluster name"),
        region: z.string().regex(AWS_REGION, { error: "must be an AWS Region such as us-west-2" }),
      },
      { error: "must name the EKS cluster, e.g. cluster: { name: inference, region: us-west-2 }" },
    ),
    alerts: z
      .strictObject({
        email: z.email({ error: "must be an e-mail address" }).optional(),
      })
      .optional()
      .meta({ description: "Who hears about mode switches (SNS)." }),
    policy: PolicySchema.prefault({}),
    services: z
      .array(InferenceServiceSchema, { error: "must be a list of services" })
      .min(1, { error: "must list at least one service" }),
  })
  .meta({ title: "Switchyard configuration" });

export type ParsedConfig = z.output<typeof SwitchyardConfigSchema>;
export type Policy = z.output<typeof PolicySchema>;
export type Slo = z.output<typeof SloSchema>;
export type Stickiness = z.output<typeof StickinessSchema>;
export type ForecastSettings = z.output<typeof ForecastSchema>;
