import type { EpochMs, UnitMinute } from "@switchyard/core";
import { MINUTE } from "@switchyard/core";
import type { LatencyModel } from "./latency-model.ts";

interface MinuteAccumulator {
  requests: number;
  failed: number;
  readonly parts: { requests: number; p95Ms: number }[];
  /** Minimum over the minute; null when the group was in no rule during it. */
  healthy: number | null;
  /**
   * The latency statistics computed from `parts` so far, by statistic: each read of a minute
   * (every evaluation reads the last several) would otherwise solve the same mixture again.
   * Cleared when a request is recorded.
   */
  statistics: Record<string, number | null> | null;
  /** The metrics reader's view of the minute, by latency statistic (see `readerMinute`); cleared with `statistics`. */
  readerViews: Record<string, UnitMinute> | null;
}

/**
 * How long CloudWatch keeps one-minute datapoints: 15 days (Amazon CloudWatch User Guide,
 * "Metrics retention": data points with a period of 60 seconds are available for 15 days;
 * after that only 5-minute and coarser aggregates, which the controller does not read).
 * Dropping older minutes also keeps a month-long run's memory flat.
 */
const RETENTION_MINUTES = 15 * 24 * 60;

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
  /** By group, by minute number since the epoch (a small integer hashes faster than a time in ms). */
  readonly #byGroup = new Map<string, Map<number, MinuteAccumulator>>();
  readonly #elb5xx = new Map<number, number>();

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
    minute.statistics = null;
    minute.readerViews = null;
  }

  recordHealthy(at: EpochMs, group: string, healthy: number): void {
    const minute = this.#minute(group, at);
    minute.healthy = minute.healthy === null ? healthy : Math.min(minute.healthy, healthy);
  }

  recordElb5xx(at: EpochMs, count: number): void {
    if (count > 0) {
      const key = Math.floor(at / MINUTE);
      this.#elb5xx.set(key, (this.#elb5xx.get(key) ?? 0) + count);
      this.#elb5xx.delete(key - RETENTION_MINUTES);
    }
  }

  /**
   * What GetMetricData would return for the minute starting at `minute`, read at `now`,
   * with TargetResponseTime at `latencyStatistic` (the SLO's: `p95`, `p99`, `average`, …).
   */
  unitMinute(group: string, minute: EpochMs, now: EpochMs, latencyStatistic: string): UnitMinute {
    const data = this.#published(minute, now)
      ? this.#byGroup.get(group)?.get(Math.floor(minute / MINUTE))
      : undefined;
    if (data === undefined) {
      return noDatapointMinute(minute);
    }
    const requests = Math.round(data.requests);
    const count5xx = Math.round(data.failed);
    const latency = this.#statistic(data, latencyStatistic);
    const average = this.#statistic(data, "average");
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

  /**
   * `unitMinute` as the deployed metrics reader queries it — without average latency or
   * healthy hosts (both null) — made once per published minute and statistic: every
   * evaluation reads the last half hour of every target group again.
   */
  readerMinute(group: string, minute: EpochMs, now: EpochMs, latencyStatistic: string): UnitMinute {
    const data = this.#published(minute, now)
      ? this.#byGroup.get(group)?.get(Math.floor(minute / MINUTE))
      : undefined;
    if (data === undefined) {
      return noDatapointMinute(minute);
    }
    data.readerViews ??= {};
    let view = data.readerViews[latencyStatistic];
    if (view === undefined) {
      view = Object.freeze({
        ...this.unitMinute(group, minute, now, latencyStatistic),
        latencyAvgMs: null,
        healthyHosts: null,
      });
      data.readerViews[latencyStatistic] = view;
    }
    return view;
  }

  elb5xx(minute: EpochMs, now: EpochMs): number {
    return this.#published(minute, now) ? Math.round(this.#elb5xx.get(Math.floor(minute / MINUTE)) ?? 0) : 0;
  }

  #statistic(data: MinuteAccumulator, statistic: string): number | null {
    data.statistics ??= {};
    let value = data.statistics[statistic];
    if (value === undefined) {
      value = this.#latency.statisticMs(data.parts, statistic);
      data.statistics[statistic] = value;
    }
    return value;
  }

  #published(minute: EpochMs, now: EpochMs): boolean {
    return (
      minute + MINUTE + this.#publishDelayMs <= now &&
      Math.floor(minute / MINUTE) > Math.floor(now / MINUTE) - RETENTION_MINUTES &&
      !this.inGap(minute)
    );
  }

  #minute(group: string, at: EpochMs): MinuteAccumulator {
    const key = Math.floor(at / MINUTE);
    let minutes = this.#byGroup.get(group);
    if (minutes === undefined) {
      minutes = new Map();
      this.#byGroup.set(group, minutes);
    }
    let minute = minutes.get(key);
    if (minute === undefined) {
      minute = { requests: 0, failed: 0, parts: [], healthy: null, statistics: null, readerViews: null };
      minutes.set(key, minute);
      minutes.delete(key - RETENTION_MINUTES);
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
