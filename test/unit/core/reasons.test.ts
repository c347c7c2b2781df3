import { parsePin } from "@switchyard/core";
import { describe, expect, it } from "vitest";
import type { ReasonFacts } from "../../../packages/core/src/decision/reason-facts.ts";
import { detail, reason } from "../../../packages/core/src/decision/reasons.ts";

describe("Function: reason", () => {
  it.each<{ facts: ReasonFacts; text: string }>([
    {
      facts: { reason: "pinned", pin: parsePin("capacity", "cost") },
      text: "pinned to capacity mode by switchyard.io/pin without expiry: observing only",
    },
    {
      facts: { reason: "urgency", causes: ["sd21-inf2"], why: null },
      text: "not urgent: sd21-inf2 still serves and only cannot grow, so traffic moves once the receivers' pods are ready",
    },
    {
      facts: { reason: "urgency", causes: ["sd21-a10g-triton", "sd21-a10g-cuda"], why: null },
      text: "not urgent: sd21-a10g-triton, sd21-a10g-cuda still serve and only cannot grow, so traffic moves once the receivers' pods are ready",
    },
    {
      facts: {
        reason: "urgency",
        causes: ["sd21-l4-triton"],
        why: { unit: "sd21-l4-triton", because: "breaks-slo" },
      },
      text: "urgent: sd21-l4-triton breaks the SLO, so traffic moves at once",
    },
    {
      facts: {
        reason: "urgency",
        causes: ["sd21-inf2"],
        why: { unit: "sd21-inf2", because: "no-ready-pod" },
      },
      text: "urgent: sd21-inf2 has no ready pod, so traffic moves at once",
    },
    {
      facts: { reason: "urgency", causes: ["sd21-inf2"], why: { unit: "sd21-inf2", because: "reclaimed" } },
      text: "urgent: sd21-inf2's instances are being reclaimed (Spot interruption), so traffic moves at once",
    },
    {
      facts: { reason: "cost-quiet" },
      text: "cost mode: no unit that carries traffic has capacity errors, unschedulable pods or a latency breach",
    },
    { facts: { reason: "rebalance-held" }, text: "a rebalance is due but anti-flap holds it back" },
    {
      facts: { reason: "fallback-held", troubleClear: true },
      text: "capacity mode: the trouble has cleared but anti-flap holds the fallback back",
    },
    {
      facts: { reason: "fallback-held", troubleClear: false },
      text: "capacity mode: not every condition for a fallback holds yet",
    },
    {
      facts: {
        reason: "fallback",
        recovered: true,
        failoverCause: ["sd21-inf2"],
        causes: ["sd21-inf2: quiet", "sd21-inf2: every pod schedules"],
        routeAround: "cost mode serves 300 of 220 RPS needed at $5.00/h",
      },
      text: "every unit that caused the failover (sd21-inf2) has recovered: sd21-inf2: quiet; sd21-inf2: every pod schedules",
    },
    {
      facts: {
        reason: "fallback",
        recovered: false,
        failoverCause: ["sd21-inf2"],
        causes: ["sd21-inf2: failing"],
        routeAround: "cost mode serves 300 of 220 RPS needed at $5.00/h",
      },
      text: "cost mode serves 300 of 220 RPS needed at $5.00/h; sd21-inf2: failing",
    },
    {
      facts: { reason: "repair", problem: "missing", mode: "capacity" },
      text: "the action annotation cannot be read, so the ALB keeps its last good routing: missing; rewriting it with the capacity-mode plan",
    },
    {
      facts: {
        reason: "planned-demand",
        plannedRps: 900,
        demandRps: 900,
        slope: null,
        horizonMinutes: 30,
        shift: null,
      },
      text: "planned for 900 RPS, the demand now",
    },
    {
      facts: {
        reason: "planned-demand",
        plannedRps: 3200,
        demandRps: 3200,
        slope: null,
        horizonMinutes: 30,
        shift: { at: Date.parse("2024-11-20T02:04:00Z"), fromRps: 800, toRps: 3200.04, slope: 0 },
      },
      text: "planned for 3200 RPS, the demand now: demand shifted at 02:04 UTC (800 → 3200 RPS), a step, not a trend to look ahead on",
    },
    {
      facts: {
        reason: "planned-demand",
        plannedRps: 1760,
        demandRps: 1760,
        slope: null,
        horizonMinutes: 30,
        shift: { at: Date.parse("2024-11-20T02:00:00Z"), fromRps: 800, toRps: 800, slope: 480 },
      },
      text: "planned for 1760 RPS, the demand now: demand shifted at 02:00 UTC (800 → 800 RPS, then rising 480 RPS/min), a step, not a trend to look ahead on",
    },
    {
      facts: {
        reason: "planned-demand",
        plannedRps: 1500.04,
        demandRps: 900,
        slope: 20.01,
        horizonMinutes: 30,
        shift: null,
      },
      text: "planned for 1500 RPS: 900 now, rising 20 RPS/min, looking 30 min ahead",
    },
  ])("$facts.reason: $text", ({ facts, text }) => {
    expect(reason(facts)).toBe(text);
  });
});

describe("Function: detail — the rebalance dead band", () => {
  const facts = (smallestSavingPercent: number) =>
    ({
      rule: "rebalance-dead-band",
      outcome: "cheaper",
      smallestSavingPercent,
      deadBandPercent: 10,
      measuredMinutes: 15,
      sustainMinutes: 15,
      riskMinutes: 5,
      worstOverloadRps: 0,
      hedge: null,
    }) as const;

  it("says a saving of the plan's cost above the floor as a percentage up to 100 %", () => {
    expect(detail(facts(36.4))).toBe(
      "the cost-optimal plan saves 36.4 % of the cost above the minReplicaCount floor over the pods the current weights need, in each of the last 15 measured min (dead band 10 %)",
    );
  });

  it("says a saving larger than the plan's whole cost above the floor as a multiple, never as 448.7 %", () => {
    expect(detail(facts(448.7))).toBe(
      "the cost-optimal plan saves more than its whole cost above the minReplicaCount floor (4.5× it) over the pods the current weights need, in each of the last 15 measured min (dead band 10 %)",
    );
  });
});
