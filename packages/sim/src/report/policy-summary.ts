import type { EpochMs, Move } from "@switchyard/core";
import { HOUR, MOVES, SECOND } from "@switchyard/core";
import type { PolicyName } from "../policies/compared-policy.ts";
import type { PolicyResult } from "../run/simulate.ts";
import type { Scenario } from "../scenario/types.ts";
import type { MinuteSeries } from "./minute-series.ts";
import { noRatioBecause, type ReferenceCosts } from "./reference-costs.ts";

/** The figures the table and `--output json` show for one policy. */
export interface PolicySummary {
  readonly name: PolicyName;
  readonly description: string;
  readonly totalCost: number;
  /** totalCost − the floor (the pods minReplicaCount keeps): what the policy's decisions cost. */
  readonly costAboveFloor: number;
  /**
   * costAboveFloor ÷ (lower bound − floor): 1 is the lower bound's cost above the floor;
   * null when the bound is the floor or too little above it to divide by (`noRatioBecause`).
   */
  readonly costAboveFloorRatio: number | null;
  readonly requests: number;
  readonly failedRequests: number;
  /** USD per million answered requests; null when none was answered. */
  readonly costPerMillion: number | null;
  readonly sloViolationMinutes: number;
  /** Mode changes the ALB went through (failovers and fallbacks that took effect). */
  readonly switches: number;
  /** Moves of every kind that took effect (outcome succeeded): rebalances, reroutes and repairs too. */
  readonly moves: number;
  /** Those moves by kind. */
  readonly movesByKind: Readonly<Record<Move, number>>;
  /** Succeeded moves of any kind (rebalances too) in the busiest 60 minutes: what the switch cap limits. */
  readonly maxMovesInAnHour: number;
  readonly capacityModeMinutes: number;
  readonly firstCapacityErrorAt: EpochMs | null;
  /** When the ALB first routed in capacity mode after the first capacity error. */
  readonly failoverAt: EpochMs | null;
  /** From the first capacity error to the failover's decision (the controller's reaction). */
  readonly failoverDecidedSeconds: number | null;
  /** From the first capacity error to the ALB routing in capacity mode (traffic moved). */
  readonly failoverSeconds: number | null;
  /** End of the last capacity window before the fallback: capacity back. */
  readonly capacityBackAt: EpochMs | null;
  /** When the ALB next routed in cost mode after that failover. */
  readonly fallbackAt: EpochMs | null;
  readonly fallbackSeconds: number | null;
  readonly wallMs: number;
}

export function summarize(
  result: PolicyResult,
  minutes: MinuteSeries,
  scenario: Scenario,
  reference: ReferenceCosts,
): PolicySummary {
  let totalCost = 0;
  let requests = 0;
  let failedRequests = 0;
  let sloViolationMinutes = 0;
  let capacityModeMinutes = 0;
  let switches = 0;
  for (let i = 0; i < minutes.length; i += 1) {
    totalCost += minutes.value(i, "costUsd");
    requests += minutes.value(i, "requests");
    failedRequests += minutes.value(i, "failed");
    sloViolationMinutes += minutes.violatedAt(i) ? 1 : 0;
    capacityModeMinutes += minutes.modeAt(i) === "capacity" ? 1 : 0;
    if (i > 0 && minutes.modeAt(i) !== minutes.modeAt(i - 1)) {
      switches += 1;
    }
  }
  const costAboveFloor = totalCost - reference.floorCost;
  const boundAboveFloor = reference.lowerBoundCost - reference.floorCost;
  const answered = requests - failedRequests;
  /** The first minute index at or after `from` (or after it, `strictly`) that `test` holds for; -1 when none. */
  const firstIndex = (from: EpochMs, test: (i: number) => boolean, strictly = false): number => {
    for (let i = minutes.indexAt(from); i < minutes.length; i += 1) {
      if ((!strictly || minutes.timeAt(i) > from) && test(i)) {
        return i;
      }
    }
    return -1;
  };
  /** The last minute index at or before `to` that `test` holds for; -1 when none. */
  const lastIndex = (to: EpochMs, test: (i: number) => boolean): number => {
    for (let i = minutes.length - 1; i >= 0; i -= 1) {
      if (minutes.timeAt(i) <= to && test(i)) {
        return i;
      }
    }
    return -1;
  };
  const timeOf = (i: number): EpochMs | null => (i < 0 ? null : minutes.timeAt(i));

  const firstCapacityErrorAt = result.capacityErrors[0]?.at ?? null;
  const failoverAt =
    firstCapacityErrorAt === null
      ? null
      : timeOf(
          firstIndex(
            firstCapacityErrorAt,
            (i) => i > 0 && minutes.modeAt(i) === "capacity" && minutes.modeAt(i - 1) === "cost",
          ),
        );
  const failoverDecidedAt =
    firstCapacityErrorAt === null
      ? null
      : (result.moves.find((m) => m.move === "failover" && m.decidedAt >= firstCapacityErrorAt)?.decidedAt ??
        null);
  // Capacity is back when the last window of an instance type that errored ends; the
  // fallback is the first return to cost mode after that.
  const erroredTypes = new Set(result.capacityErrors.map((e) => e.instanceType));
  const capacityBackAt =
    failoverAt === null
      ? null
      : scenario.capacity
          .filter((w) => erroredTypes.has(w.instanceType))
          .reduce<EpochMs | null>((latest, w) => (latest === null || w.to > latest ? w.to : latest), null);
  const whenBack = capacityBackAt === null ? -1 : lastIndex(capacityBackAt, () => true);
  const modeWhenBack = whenBack < 0 ? null : minutes.modeAt(whenBack);
  // Back in cost mode before capacity returned is an early fallback: its time is the
  // last return to cost mode before then, reported as negative seconds, never as "0 s
  // after capacity returned".
  const fallbackAt =
    capacityBackAt === null
      ? null
      : modeWhenBack === "cost"
        ? (timeOf(
            lastIndex(
              capacityBackAt,
              (i) => i > 0 && minutes.modeAt(i) === "cost" && minutes.modeAt(i - 1) === "capacity",
            ),
          ) ?? capacityBackAt)
        : timeOf(firstIndex(capacityBackAt, (i) => minutes.modeAt(i) === "cost", true));

  const succeeded = result.moves
    .filter((m) => m.outcome !== "failed" && m.outcome !== "superseded")
    .map((m) => m.decidedAt)
    .sort((a, b) => a - b);
  let maxMovesInAnHour = 0;
  for (let i = 0; i < succeeded.length; i += 1) {
    const from = succeeded[i] as number;
    const inHour = succeeded.filter((at) => at >= from && at < from + HOUR).length;
    maxMovesInAnHour = Math.max(maxMovesInAnHour, inHour);
  }

  const movesByKind = Object.fromEntries(MOVES.map((move) => [move, 0])) as Record<Move, number>;
  for (const m of result.moves) {
    if (m.outcome === "succeeded") {
      movesByKind[m.move] += 1;
    }
  }

  return {
    name: result.name,
    description: result.description,
    totalCost,
    costAboveFloor,
    costAboveFloorRatio: noRatioBecause(reference) === null ? costAboveFloor / boundAboveFloor : null,
    requests,
    failedRequests,
    costPerMillion: answered > 0 ? (totalCost / answered) * 1e6 : null,
    sloViolationMinutes,
    switches,
    moves: MOVES.reduce((sum, move) => sum + movesByKind[move], 0),
    movesByKind,
    maxMovesInAnHour,
    capacityModeMinutes,
    firstCapacityErrorAt,
    failoverAt,
    failoverDecidedSeconds:
      failoverDecidedAt === null || firstCapacityErrorAt === null
        ? null
        : (failoverDecidedAt - firstCapacityErrorAt) / SECOND,
    failoverSeconds:
      failoverAt === null || firstCapacityErrorAt === null
        ? null
        : (failoverAt - firstCapacityErrorAt) / SECOND,
    capacityBackAt,
    fallbackAt,
    fallbackSeconds:
      fallbackAt === null || capacityBackAt === null ? null : (fallbackAt - capacityBackAt) / SECOND,
    wallMs: result.wallMs,
  };
}
