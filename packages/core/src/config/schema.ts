import { z } from "zod";
import {
  AVAILABILITY_ZONE,
  AWS_REGION,
  type Bound,
  dnsLabel,
  INSTANCE_TYPE,
  LONGEST_RESPONSE_MS,
  MAX_DEMAND_RPS,
  MAX_POD_RPS,
  objectName,
  port,
  positive,
  SHORTEST_RESPONSE_MS,
  wholeNumber,
} from "./field-rules.ts";
import { PolicyOverridesSchema, PolicySchema } from "./policy-schema.ts";

/**
 * The one config file. This zod schema is the source of truth: the JSON Schema in
 * `schema/switchyard.schema.json` is generated from it, and `loadConfig` validates
 * with it before the semantic checks in `semantic-checks.ts`. How one field is checked is
 * in `field-rules.ts`; the policy's fields and defaults are in `policy-schema.ts`.
 */

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
export type Slo = z.output<typeof SloSchema>;
export type Stickiness = z.output<typeof StickinessSchema>;
export type ForecastSettings = z.output<typeof ForecastSchema>;
