import type { EpochMs, InferenceService, Mode } from "@switchyard/core";
import { MINUTE } from "@switchyard/core";
import type { LatencyModel } from "../model/latency-model.ts";
import type { StepRecord } from "../model/step-record.ts";

export interface UnitMinuteRecord {
  readonly name: string;
  /** Requests/s its pods received (mean over the minute). */
  readonly rps: number;
  readonly readyPods: number;
  readonly billedPods: number;
  readonly pendingPods: number;
  readonly weight: number;
  readonly p95Ms: number | null;
  /** Its ScaledObject's minReplicaCount at the end of the minute (raised by a forecast floor). */
  readonly minReplicas: number;
}

/** One minute of one policy's run, as the report reads it. */
export interface MinuteRecord {
  readonly at: EpochMs;
  readonly demandRps: number;
  /** The mode of the ALB's rule at the end of the minute. */
  readonly mode: Mode;
  readonly requests: number;
  /** Target 5xx (queues full) and ELB 5xx (no healthy target). */
  readonly failed: number;
  /** The minute's answered requests over every unit at the SLO's statistic (p95, p99, average); null without any. */
  readonly latencyMs: number | null;
  /** More than the SLO's tail (5 % for p95, 1 % for p99) of the minute's requests were slower than the SLO or failed. */
  readonly sloViolated: boolean;
  readonly costUsd: number;
  /** USD per hour of the pods running at the end of the minute. */
  readonly hourlyCost: number;
  readonly units: readonly UnitMinuteRecord[];
}

/**
 * The minutes of a run. A minute breaks the SLO when the share of its requests that were
 * slower than the objective, or failed, exceeds what the objective's statistic allows
 * (5 % for p95, 1 % for p99; for `average`, when the mean is over it or 5 % failed):
 * a failed request is never within the objective.
 */
export function minutesOf(
  steps: readonly StepRecord[],
  service: InferenceService,
  latency: LatencyModel,
): MinuteRecord[] {
  const groups = new Map<EpochMs, StepRecord[]>();
  for (const step of steps) {
    const minute = Math.floor(step.at / MINUTE) * MINUTE;
    const group = groups.get(minute);
    if (group === undefined) {
      groups.set(minute, [step]);
    } else {
      group.push(step);
    }
  }
  const slo = service.slo;
  const allowedTail = slo.statistic === "average" ? 0.05 : 1 - Number(slo.statistic.slice(1)) / 100;
  const records: MinuteRecord[] = [];
  for (const [at, group] of groups) {
    const last = group[group.length - 1] as StepRecord;
    let requests = 0;
    let failed = 0;
    let slow = 0;
    let latencySum = 0;
    let answered = 0;
    const parts: { requests: number; p95Ms: number }[] = [];
    for (const step of group) {
      requests += step.elbFailed;
      failed += step.elbFailed;
      for (const unit of step.units) {
        requests += unit.requests;
        failed += unit.failed;
        const ok = Math.max(0, unit.requests - unit.failed);
        if (unit.p95Ms !== null && ok > 0) {
          parts.push({ requests: ok, p95Ms: unit.p95Ms });
          slow += ok * latency.fractionSlowerThan(unit.p95Ms, slo.latencyMs);
          latencySum += ok * latency.averageMs(unit.p95Ms);
          answered += ok;
        }
      }
    }
    const badShare = requests > 0 ? (slow + failed) / requests : 0;
    const sloViolated =
      slo.statistic === "average"
        ? requests > 0 &&
          ((answered > 0 && latencySum / answered > slo.latencyMs) || failed / requests > allowedTail)
        : badShare > allowedTail;
    records.push({
      at,
      demandRps: group.reduce((sum, s) => sum + s.demandRps, 0) / group.length,
      mode: last.mode,
      requests,
      failed,
      latencyMs: latency.statisticMs(parts, slo.statistic),
      sloViolated,
      costUsd: group.reduce((sum, s) => sum + s.costUsd, 0),
      hourlyCost: last.hourlyCost,
      units: last.units.map((unit) => ({
        name: unit.name,
        rps:
          group.reduce((sum, s) => sum + (s.units.find((u) => u.name === unit.name)?.rps ?? 0), 0) /
          group.length,
        readyPods: unit.readyPods,
        billedPods: unit.billedPods,
        pendingPods: unit.pendingPods,
        weight: unit.weight,
        p95Ms: unit.p95Ms,
        minReplicas: unit.minReplicas,
      })),
    });
  }
  return records.sort((a, b) => a.at - b.at);
}
