import type { EpochMs } from "@switchyard/core";
import { HOUR, SECOND } from "@switchyard/core";
import type { PolicyName } from "../policies/compared-policy.ts";
import type { PolicyResult } from "../run/simulate.ts";
import type { Scenario } from "../scenario/types.ts";
import type { MinuteRecord } from "./minute-series.ts";
import type { ReferenceCosts } from "./reference-costs.ts";

/** The figures the table and `--output json` show for one policy. */
export interface PolicySummary {
  readonly name: PolicyName;
  readonly description: string;
  readonly totalCost: number;
  /** totalCost − the floor (the pods minReplicaCount keeps): what the policy's decisions cost. */
  readonly costAboveFloor: number;
  /**
   * costAboveFloor ÷ (lower bound − floor): 1 is the lower bound's cost above the floor;
   * null when the bound is the floor (nothing above it to compare).
   */
  readonly costAboveFloorRatio: number | null;
  readonly requests: number;
  readonly failedRequests: number;
  /** USD per million answered requests; null when none was answered. */
  readonly costPerMillion: number | null;
  readonly sloViolationMinutes: number;
  /** Mode changes the ALB went through (failovers and fallbacks that took effect). */
  readonly switches: number;
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
  minutes: readonly MinuteRecord[],
  scenario: Scenario,
  reference: ReferenceCosts,
): PolicySummary {
  const totalCost = minutes.reduce((sum, m) => sum + m.costUsd, 0);
  const costAboveFloor = totalCost - reference.floorCost;
  const boundAboveFloor = reference.lowerBoundCost - reference.floorCost;
  const requests = minutes.reduce((sum, m) => sum + m.requests, 0);
  const failedRequests = minutes.reduce((sum, m) => sum + m.failed, 0);
  const answered = requests - failedRequests;

  let switches = 0;
  for (let i = 1; i < minutes.length; i += 1) {
    if ((minutes[i] as MinuteRecord).mode !== (minutes[i - 1] as MinuteRecord).mode) {
      switches += 1;
    }
  }
  const firstCapacityErrorAt = result.capacityErrors[0]?.at ?? null;
  const failoverAt =
    firstCapacityErrorAt === null
      ? null
      : (minutes.find(
          (m, i) => m.at >= firstCapacityErrorAt && m.mode === "capacity" && minutes[i - 1]?.mode === "cost",
        )?.at ?? null);
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
  const modeWhenBack =
    capacityBackAt === null
      ? null
      : ([...minutes].reverse().find((m) => m.at <= capacityBackAt)?.mode ?? null);
  // Back in cost mode before capacity returned is an early fallback: its time is the
  // last return to cost mode before then, reported as negative seconds, never as "0 s
  // after capacity returned".
  const fallbackAt =
    capacityBackAt === null
      ? null
      : modeWhenBack === "cost"
        ? ([...minutes]
            .reverse()
            .find(
              (m, i, reversed) =>
                m.at <= capacityBackAt && m.mode === "cost" && reversed[i + 1]?.mode === "capacity",
            )?.at ?? capacityBackAt)
        : (minutes.find((m) => m.at > capacityBackAt && m.mode === "cost")?.at ?? null);

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

  return {
    name: result.name,
    description: result.description,
    totalCost,
    costAboveFloor,
    costAboveFloorRatio: boundAboveFloor > 0.005 ? costAboveFloor / boundAboveFloor : null,
    requests,
    failedRequests,
    costPerMillion: answered > 0 ? (totalCost / answered) * 1e6 : null,
    sloViolationMinutes: minutes.filter((m) => m.sloViolated).length,
    switches,
    maxMovesInAnHour,
    capacityModeMinutes: minutes.filter((m) => m.mode === "capacity").length,
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
