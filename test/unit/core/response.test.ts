import { describe, expect, it } from "vitest";
import type { Policy } from "../../../packages/core/src/config/types.ts";
import {
  failoverEvidence,
  lossCauses,
  lossUrgency,
  type Urgency,
} from "../../../packages/core/src/decision/failover-evidence.ts";
import * as response from "../../../packages/core/src/decision/response.ts";
import type { DecisionSignals, ServiceState } from "../../../packages/core/src/decision/types.ts";
import { COST_WEIGHTS, optimalWeights, policyOf, state, UNITS } from "../../support/decision-fixtures.ts";
import { demand, inf2Error, observed, policy, svc, withRuntime } from "../../support/rule-fixtures.ts";

describe("Function: responseWhy", () => {
  // Cost mode short, and round-robin serving as much with the pods ready now.
  const short: response.ResponseFigures = {
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
    expect(response.responseWhy(figures)).toBe(why);
  });
});

/** What decide hands the response rules: observations, the causes and their urgency. */
function loss(s: ServiceState, signals: DecisionSignals, p: Policy = policy) {
  const observations = observed(s, signals, p);
  const evidence = failoverEvidence(observations, p, svc.slo.latencyMs);
  const causes = lossCauses(evidence);
  return { observations, causes, urgency: lossUrgency(causes, evidence, observations) };
}

/** The cost plan around the loss of `s`, as compareResponses makes it. */
function costAround(s: ServiceState, signals: DecisionSignals) {
  const { observations, causes, urgency } = loss(s, signals);
  return {
    observations,
    causes,
    cost: response.compareResponses(s, observations, causes, urgency, policy).cost,
  };
}

describe("Function: compareResponses", () => {
  it.each([
    {
      case: "a unit that still serves, at calm demand: cost mode answers",
      s: state(),
      signals: inf2Error(),
      p: policy,
      choice: "cost",
      ending: ": route around the loss in cost mode",
    },
    {
      case: "the policy's lossResponse: failover",
      s: state(),
      signals: inf2Error(),
      p: policyOf(svc, { lossResponse: "failover" }),
      choice: "capacity",
      ending: ": fail over to capacity mode (policy lossResponse: failover)",
    },
    {
      // Both answers route to the pods ready now (a move that cannot wait): round-robin
      // would give the single a10g, l4 and cuda pods as much as any other, past their
      // breaking points, so capacity mode routes to what each unit's pods serve too, and
      // serves no more than cost mode.
      case: "inf2 lost its pods at 1,000 RPS: both route to the pods ready now, so cost mode answers",
      s: withRuntime(
        "sd21-inf2",
        { desiredReplicas: 2, readyReplicas: 0 },
        state({ weights: optimalWeights(1000) }),
      ),
      signals: inf2Error(demand(1000)),
      p: policy,
      choice: "cost",
      ending: ": route around the loss in cost mode",
    },
  ])("$case", ({ s, signals, p, choice, ending }) => {
    const { observations, causes, urgency } = loss(s, signals, p);
    const answer = response.compareResponses(s, observations, causes, urgency, p);
    expect(answer.choice).toBe(choice);
    expect(answer.evidence).toMatchObject({
      rule: "response",
      observed: choice,
      passed: choice === "capacity",
      threshold: Math.round(answer.cost.requiredRps * 10) / 10,
    });
    expect(answer.evidence.detail.startsWith(`cost mode around ${causes.join(", ")} serves `)).toBe(true);
    expect(answer.evidence.detail.endsWith(ending)).toBe(true);
  });
});

describe("Function: routingRisk", () => {
  /** inf2 frozen at one ready pod (105 RPS) at 1,000 RPS, under `weights`. */
  const inf2Frozen = withRuntime("sd21-inf2", { desiredReplicas: 1, readyReplicas: 1 });
  const riskUnder = (weights: Record<string, number> | null, actionProblem: string | null = null) => {
    const s = { ...inf2Frozen, weights, actionProblem };
    const { observations, causes, cost } = costAround(s, inf2Error(demand(1000)));
    return response.routingRisk(s, observations, causes, cost);
  };
  it("is breached when the weights in force send the frozen unit more than its pods serve", () => {
    const risk = riskUnder({ ...COST_WEIGHTS, "sd21-inf2": 999 });
    expect(risk).toMatchObject({ rule: "routing-risk", breached: true });
    expect(risk.detail).toMatch(
      /^the current weights send [\d.]+ RPS more than the units' pods can serve at 1000 RPS/,
    );
  });
  it("is not breached once the weights route around it", () => {
    const { cost } = costAround(inf2Frozen, inf2Error(demand(1000)));
    const around = Object.fromEntries(cost.units.map((u) => [u.name, u.weight ?? 0]));
    expect(riskUnder(around)).toMatchObject({
      breached: false,
      detail: "the current weights already route around sd21-inf2: no unit is sent more than its pods serve",
    });
  });
  it("is breached whatever the load when the action annotation cannot be read", () => {
    expect(riskUnder(null, "missing")).toMatchObject({ breached: true });
  });
});

describe("Function: earlyMove", () => {
  // inf2 holds one ready pod, the others ten each: weights that pile demand on inf2 serve
  // less with the pods ready now than the cost-optimal ones.
  const s = UNITS.filter((u) => u !== "sd21-inf2").reduce(
    (at, u) => withRuntime(u, { desiredReplicas: 10, readyReplicas: 10 }, at),
    withRuntime("sd21-inf2", { desiredReplicas: 1, readyReplicas: 1 }),
  );
  const observations = observed(s, demand(1000));
  const onInf2 = Object.fromEntries(UNITS.map((u) => [u, u === "sd21-inf2" ? 999 : 1]));
  const optimal = optimalWeights(1000);
  const breaking: Urgency = {
    why: { unit: "sd21-inf2", because: "breaks-slo" },
    losing: false,
    podsLost: false,
  };
  const reclaimed: Urgency = {
    why: { unit: "sd21-inf2", because: "reclaimed" },
    losing: true,
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
      urgency: reclaimed,
      current: optimal,
      target: onInf2,
      passed: true,
    },
  ])("$case", ({ urgency, current, target, passed }) => {
    const early = response.earlyMove(s, observations, ["sd21-inf2"], urgency, current, target);
    expect(early).toMatchObject({ rule: "early-move", passed });
    expect(early.detail).toMatch(passed ? /: traffic moves at once$/ : /so traffic moves once they are$/);
  });
});
