import { type DecisionSignals, observe, type ServiceState } from "@switchyard/core";
import { describe, expect, it } from "vitest";
import {
  failoverEvidence,
  lossCauses,
  lossUrgency,
  type Urgency,
} from "../../../packages/core/src/decision/failover-evidence.ts";
import {
  compareResponses,
  earlyMove,
  type ResponseFigures,
  responseWhy,
  routingRisk,
} from "../../../packages/core/src/decision/response.ts";
import {
  COST_WEIGHTS,
  calmSignals,
  capacityError,
  MINUTE,
  minutes,
  optimalWeights,
  policyOf,
  service,
  state,
  T0,
  UNITS,
} from "../../support/decision-fixtures.ts";

describe("Function: responseWhy", () => {
  // Cost mode short, and round-robin serving as much with the pods ready now.
  const short: ResponseFigures = {
    lossResponse: "compare",
    podsLost: false,
    demandRps: 1000,
    costFeasible: true,
    costRps: 1200,
    capacityRps: 1100,
    costNow: 900,
    capacityNow: 950,
  };
  it.each([
    { case: "cost mode covers demand: a reroute", figures: short, why: "cost-answers" },
    { case: "the policy always fails over", figures: { ...short, lossResponse: "failover" }, why: "policy" },
    {
      case: "lost pods, the pods ready now short under cost weights, round-robin serves as much",
      figures: { ...short, podsLost: true },
      why: "pods-lost",
    },
    {
      case: "lost pods, round-robin serving exactly as much now: capacity mode still answers",
      figures: { ...short, podsLost: true, capacityNow: 900 },
      why: "pods-lost",
    },
    {
      case: "lost pods, but round-robin serves less now: cost mode answers",
      figures: { ...short, podsLost: true, capacityNow: 899 },
      why: "cost-answers",
    },
    {
      case: "lost pods, but cost weights carry demand with the pods ready now",
      figures: { ...short, podsLost: true, costNow: 1000 },
      why: "cost-answers",
    },
    {
      case: "cost mode cannot cover demand and capacity mode serves more",
      figures: { ...short, costFeasible: false, costRps: 950, capacityRps: 1000 },
      why: "serves-more",
    },
    {
      case: "cost mode cannot cover demand, but capacity mode serves no more",
      figures: { ...short, costFeasible: false, costRps: 1000, capacityRps: 1000 },
      why: "cost-answers",
    },
    {
      case: "the policy comes first, whatever the figures",
      figures: { ...short, lossResponse: "failover", podsLost: true, costFeasible: false, costRps: 0 },
      why: "policy",
    },
  ] as const)("$case → $why", ({ figures, why }) => {
    expect(responseWhy(figures)).toBe(why);
  });
});

const svc = service();
const policy = policyOf(svc);
const inf2Error = (signals: DecisionSignals): DecisionSignals => ({
  ...signals,
  capacity: [capacityError("inf2.xlarge", T0 - MINUTE)],
});
const busy = (rpsPerUnit: number): DecisionSignals => ({
  minutes: Object.fromEntries(UNITS.map((u) => [u, minutes(30, () => ({ rps: rpsPerUnit }))])),
  capacity: [],
});
function withInf2(runtime: Partial<ServiceState["units"][string]>, s: ServiceState = state()): ServiceState {
  const current = s.units["sd21-inf2"] as ServiceState["units"][string];
  return { ...s, units: { ...s.units, "sd21-inf2": { ...current, ...runtime } } };
}

/** What decide hands the response rules: observations, the causes and their urgency. */
function loss(s: ServiceState, signals: DecisionSignals, p = policy) {
  const observations = observe(s, signals, p, T0);
  const evidence = failoverEvidence(observations, p, svc.slo.latencyMs);
  const causes = lossCauses(evidence);
  return { observations, causes, urgency: lossUrgency(causes, evidence, observations) };
}

describe("Function: compareResponses", () => {
  it.each([
    {
      case: "a unit that still serves, at calm demand: cost mode answers",
      s: state(),
      signals: inf2Error(calmSignals()),
      p: policy,
      choice: "cost",
      ending: ": route around the loss in cost mode",
    },
    {
      case: "the policy's lossResponse: failover",
      s: state(),
      signals: inf2Error(calmSignals()),
      p: policyOf(svc, { lossResponse: "failover" }),
      choice: "capacity",
      ending: ": fail over to capacity mode (policy lossResponse: failover)",
    },
    {
      case: "inf2 lost its pods at 1,000 RPS: the pods ready now serve more round-robin",
      s: withInf2({ desiredReplicas: 2, readyReplicas: 0 }, state({ weights: optimalWeights(1000) })),
      signals: inf2Error(busy(200)),
      p: policy,
      choice: "capacity",
      ending:
        ": the pods ready now cannot carry 1000 RPS under cost weights and serve at least as much spread round-robin, so fail over to capacity mode, which also grows every pool at once while the lost pods are replaced",
    },
  ])("$case", ({ s, signals, p, choice, ending }) => {
    const { observations, causes, urgency } = loss(s, signals, p);
    const response = compareResponses(s, observations, causes, urgency, p);
    expect(response.choice).toBe(choice);
    expect(response.evidence).toMatchObject({
      rule: "response",
      observed: choice,
      passed: choice === "capacity",
      threshold: Math.round(response.cost.requiredRps * 10) / 10,
    });
    expect(response.evidence.detail.startsWith(`cost mode around ${causes.join(", ")} serves `)).toBe(true);
    expect(response.evidence.detail.endsWith(ending)).toBe(true);
  });
});

describe("Function: routingRisk", () => {
  /** inf2 frozen at one ready pod (105 RPS) at 1,000 RPS. */
  const frozen = (weights: Record<string, number> | null, actionProblem: string | null = null) => {
    const s = { ...withInf2({ desiredReplicas: 1, readyReplicas: 1 }), weights, actionProblem };
    const { observations, causes } = loss(s, inf2Error(busy(200)));
    const cost = compareResponses(
      s,
      observations,
      causes,
      lossUrgency(causes, [], observations),
      policy,
    ).cost;
    return routingRisk(s, observations, causes, cost);
  };
  it("is breached when the weights in force send the frozen unit more than its pods serve", () => {
    const risk = frozen({ ...COST_WEIGHTS, "sd21-inf2": 999 });
    expect(risk).toMatchObject({ rule: "routing-risk", breached: true });
    expect(risk.detail).toMatch(
      /^the current weights send [\d.]+ RPS more than the units' pods can serve at 1000 RPS/,
    );
  });
  it("is not breached once the weights route around it", () => {
    const s = withInf2({ desiredReplicas: 1, readyReplicas: 1 });
    const { observations, causes } = loss(s, inf2Error(busy(200)));
    const cost = compareResponses(
      s,
      observations,
      causes,
      lossUrgency(causes, [], observations),
      policy,
    ).cost;
    const around = Object.fromEntries(cost.units.map((u) => [u.name, u.weight ?? 0]));
    expect(frozen(around)).toMatchObject({
      breached: false,
      detail: "the current weights already route around sd21-inf2: no unit is sent more than its pods serve",
    });
  });
  it("is breached whatever the load when the action annotation cannot be read", () => {
    expect(frozen(null, "missing")).toMatchObject({ breached: true });
  });
});

describe("Function: earlyMove", () => {
  // inf2 holds one ready pod, the others ten each: weights that pile demand on inf2 serve
  // less with the pods ready now than the cost-optimal ones.
  const units = Object.fromEntries(
    UNITS.map((u) => [
      u,
      {
        desiredReplicas: u === "sd21-inf2" ? 1 : 10,
        readyReplicas: u === "sd21-inf2" ? 1 : 10,
        unschedulableSince: null,
        unschedulablePods: 0,
      },
    ]),
  );
  const s = state({ units });
  const observations = observe(s, busy(200), policy, T0);
  const onInf2 = Object.fromEntries(UNITS.map((u) => [u, u === "sd21-inf2" ? 999 : 1]));
  const optimal = optimalWeights(1000);
  const breaking: Urgency = {
    why: { unit: "sd21-inf2", because: "breaks-slo" },
    losing: false,
    podsLost: false,
  };
  it.each([
    {
      case: "an SLO breach, and the new weights serve more now: moves at once",
      urgency: breaking,
      current: onInf2,
      target: optimal,
      passed: true,
    },
    {
      case: "an SLO breach, and the new weights serve no more now: waits for the receivers",
      urgency: breaking,
      current: optimal,
      target: onInf2,
      passed: false,
    },
    {
      case: "a cause that is losing its pods: moves at once whatever they serve",
      urgency: { ...breaking, losing: true },
      current: optimal,
      target: onInf2,
      passed: true,
    },
    {
      case: "no SLO breach behind the urgency: moves at once",
      urgency: { why: { unit: "sd21-inf2", because: "reclaimed" }, losing: true, podsLost: false } as Urgency,
      current: optimal,
      target: onInf2,
      passed: true,
    },
  ])("$case", ({ urgency, current, target, passed }) => {
    const early = earlyMove(s, observations, ["sd21-inf2"], urgency, current, target);
    expect(early).toMatchObject({ rule: "early-move", passed });
    expect(early.detail).toMatch(passed ? /: traffic moves at once$/ : /so traffic moves once they are$/);
  });
});
