import { z } from "zod";
import { wholeNumber } from "./field-rules.ts";

/** The decision policy: its thresholds, their defaults, and the hedge's risk budget; a service overrides any of them. */

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

export const PolicySchema = z
  .strictObject({ ...withDefaults(policyFields), hedge: HedgeSchema.prefault({}) })
  .meta({ description: "Decision thresholds; every field has a documented default." });

/** A service's overrides of the top-level policy: the same fields, none defaulted. */
export const PolicyOverridesSchema = z
  .strictObject({ ...policyFields, hedge: HedgeOverridesSchema })
  .partial()
  .meta({ description: "Overrides of the top-level policy for this service." });

export type Policy = z.output<typeof PolicySchema>;
