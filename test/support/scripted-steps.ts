import type { ModeSwitchStep } from "@switchyard/core/workflow";
import { STEP_RESULTS } from "../../packages/core/src/workflow/step-table.ts";

/**
 * Scripted step outcomes, for running the same sequence of step results and errors through
 * the ASL in aws-local-stepfunctions and through the simulator's stand-in. Each result has
 * exactly the fields the step table keeps (STEP_RESULTS), with values the table's Choices
 * and publishes read; the rest is placeholder data no state looks at.
 */

/** What one call of a step does: return its usual result, return this one, or throw an error of this name. */
export type StepOutcome = "ok" | { readonly result: unknown } | { readonly throws: string };

/** Per step, the outcome of each call in order; the last repeats for any call after it. */
export type StepScript = Partial<Readonly<Record<ModeSwitchStep, readonly StepOutcome[]>>>;

export const SCRIPTED_INPUT = {
  executionName: "sd21-failover-202411140030",
  service: "sd21",
  move: "failover",
  from: "cost",
  to: "capacity",
  causes: ["sd21-inf2"],
  urgent: false,
  demandRps: 400,
  conditions: {},
  reasons: ["sd21-inf2 cannot get inf2.xlarge capacity"],
  evidence: [],
  decidedAt: "2024-11-14T00:30:00.000Z",
  triggerSignals: [],
} as const;

const HOLD = { unit: "sd21-l4-triton", scaledObject: "sd21-l4-triton", replicas: 3 };

export function scriptedPlan(holds: readonly unknown[] = [HOLD]): unknown {
  return {
    input: SCRIPTED_INPUT,
    executionArn: null,
    holds,
    receiverHoldSeconds: 120,
    scaling: [],
    receivers: [HOLD.unit],
  };
}

export const WAITING = {
  result: {
    ready: false,
    timedOut: false,
    verdict: "waiting",
    units: [],
    holdsNotApplied: [],
    targetGroups: [],
    targetsNotReady: [],
    checkedAt: "2024-11-14T00:30:12.000Z",
  },
} as const;

export const SUPERSEDED = {
  result: {
    outcome: "superseded",
    routingRestored: false,
    scalingRestored: [],
    released: [],
    leftAlone: ["Ingress default/sd21 routing"],
    notRestored: [],
    alert: { subject: "Switchyard sd21: failover superseded, stood down", message: "stood down" },
  },
} as const;

const USUAL: Readonly<Record<ModeSwitchStep, unknown>> = {
  "plan-switch": { plan: scriptedPlan() },
  "apply-scaling": { standby: { changed: false, problem: null }, changes: [], holds: [HOLD] },
  "check-receivers": { ...WAITING.result, ready: true, verdict: "ready" },
  "apply-routing": {
    changed: true,
    annotationValue: "{}",
    patchedAt: "2024-11-14T00:30:30.000Z",
    resourceVersion: "7",
  },
  "verify-routing": {
    check: { matches: true },
    targetGroups: [],
    alert: { subject: "Switchyard sd21: failover cost -> capacity", message: "switched" },
  },
  "release-holds": { released: [HOLD], pausedByOthers: [], floors: [] },
  rollback: {
    ...SUPERSEDED.result,
    outcome: "rolled-back",
    alert: { subject: "Switchyard sd21: failover FAILED, rolled back (cost stays)", message: "rolled back" },
  },
};

/** The fields each step's usual result has are the table's: the scripts hold to the table too. */
export function usualFieldsMatchTable(): boolean {
  const keyOf: Readonly<Record<Exclude<ModeSwitchStep, "plan-switch">, keyof typeof STEP_RESULTS>> = {
    "apply-scaling": "scaling",
    "check-receivers": "receivers",
    "apply-routing": "routing",
    "verify-routing": "verification",
    "release-holds": "release",
    rollback: "rollback",
  };
  return Object.entries(keyOf).every(
    ([step, key]) =>
      JSON.stringify(Object.keys(USUAL[step as ModeSwitchStep] as object).sort()) ===
      JSON.stringify([...STEP_RESULTS[key]].sort()),
  );
}

/** Calls each step's script in turn: the result, or the named error thrown. */
export function scriptedSteps(script: StepScript): (step: ModeSwitchStep) => Promise<unknown> {
  const calls = new Map<ModeSwitchStep, number>();
  return async (step) => {
    const n = calls.get(step) ?? 0;
    calls.set(step, n + 1);
    const outcomes = script[step] ?? ["ok"];
    const outcome = outcomes[Math.min(n, outcomes.length - 1)] ?? "ok";
    if (outcome === "ok") {
      return structuredClone(USUAL[step]);
    }
    if ("throws" in outcome) {
      throw Object.assign(new Error(`${outcome.throws} scripted for call ${n + 1} of ${step}`), {
        name: outcome.throws,
      });
    }
    return structuredClone(outcome.result);
  };
}
