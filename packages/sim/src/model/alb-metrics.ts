import type { EpochMs, UnitMinute } from "@switchyard/core";
import { MINUTE } from "@switchyard/core";
import type { LatencyModel } from "./latency-model.ts";

interface MinuteAccumulator {
  requests: number;
  failed: number;
  readonly parts: { requests: number; p95Ms: number }[];
  /** Minimum over the minute; null when the group was in no rule during it. */
  healthy: number | null;
}

/**
 * CloudWatch's AWS/ApplicationELB one-minute data per target group, as the ALB would
 * publish it: a minute appears `publishDelayMs` after it ends, and a minute without
 * requests has no datapoint (counts read as 0, latency as unknown). HealthyHostCount is
 * reported for every group in the rule, traffic or not. A minute in one of the scenario's
 * CloudWatch gaps has no datapoint of any metric although traffic flowed.
 */
export class AlbMetrics {
  readonly #latency: LatencyModel;
  readonly #publishDelayMs: number;
  readonly #gaps: readonly { readonly from: EpochMs; readonly to: EpochMs }[];
  readonly #byGroup = new Map<string, Map<EpochMs, MinuteAccumulator>>();
  readonly #elb5xx = new Map<EpochMs, number>();

  /** `gaps`: [from, to) windows of minutes CloudWatch never publishes (traffic flowing or not). */
  constructor(
    latency: LatencyModel,
    publishDelayMs: number,
    gaps: readonly { readonly from: EpochMs; readonly to: EpochMs }[] = [],
  ) {
    this.#latency = latency;
    this.#publishDelayMs = publishDelayMs;
    this.#gaps = gaps;
  }

  /** Whether the minute starting at `minute` falls in a CloudWatch gap: no datapoint of it, ever. */
  inGap(minute: EpochMs): boolean {
    return this.#gaps.some((gap) => gap.from <= minute && minute < gap.to);
  }

  /** One step's requests a target group sent to one unit, and what they met. */
  recordRequests(at: EpochMs, group: string, requests: number, failed: number, p95Ms: number): void {
    if (requests <= 0) {
      return;
    }
    const minute = this.#minute(group, at);
    minute.requests += requests;
    minute.failed += failed;
    minute.parts.push({ requests, p95Ms });
  }

  recordHealthy(at: EpochMs, group: string, healthy: number): void {
    const minute = this.#minute(group, at);
    minute.healthy = minute.healthy === null ? healthy : Math.min(minute.healthy, healthy);
  }

  recordElb5xx(at: EpochMs, count: number): void {
    if (count > 0) {
      const key = Math.floor(at / MINUTE) * MINUTE;
      this.#elb5xx.set(key, (this.#elb5xx.get(key) ?? 0) + count);
    }
  }

  /**
   * What GetMetricData would return for the minute starting at `minute`, read at `now`,
   * with TargetResponseTime at `latencyStatistic` (the SLO's: `p95`, `p99`, `average`, …).
   */
  unitMinute(group: string, minute: EpochMs, now: EpochMs, latencyStatistic: string): UnitMinute {
    const data = this.#published(minute, now) ? this.#byGroup.get(group)?.get(minute) : undefined;
    if (data === undefined) {
      return noDatapointMinute(minute);
    }
    const requests = Math.round(data.requests);
    const count5xx = Math.round(data.failed);
    const latency = this.#latency.statisticMs(data.parts, latencyStatistic);
    const average = this.#latency.statisticMs(data.parts, "average");
    return {
      at: minute,
      requests,
      count2xx: requests - count5xx,
      count5xx,
      latencyMs: requests > 0 && latency !== null ? round3(latency) : null,
      latencyAvgMs: requests > 0 && average !== null ? round3(average) : null,
      healthyHosts: data.healthy,
    };
  }

  elb5xx(minute: EpochMs, now: EpochMs): number {
    return this.#published(minute, now) ? Math.round(this.#elb5xx.get(minute) ?? 0) : 0;
  }

  #published(minute: EpochMs, now: EpochMs): boolean {
    return minute + MINUTE + this.#publishDelayMs <= now && !this.inGap(minute);
  }

  #minute(group: string, at: EpochMs): MinuteAccumulator {
    const key = Math.floor(at / MINUTE) * MINUTE;
    let minutes = this.#byGroup.get(group);
    if (minutes === undefined) {
      minutes = new Map();
      this.#byGroup.set(group, minutes);
    }
    let minute = minutes.get(key);
    if (minute === undefined) {
      minute = { requests: 0, failed: 0, parts: [], healthy: null };
      minutes.set(key, minute);
    }
    return minute;
  }
}

/** A minute CloudWatch reports nothing for: counts 0 (no traffic), latency and hosts unknown. */
export function noDatapointMinute(at: EpochMs): UnitMinute {
  return {
    at,
    requests: 0,
    count2xx: 0,
    count5xx: 0,
    latencyMs: null,
    latencyAvgMs: null,
    healthyHosts: null,
  };
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
