import type { EpochMs, InferenceService, Mode } from "@switchyard/core";
import { MINUTE } from "@switchyard/core";
import type { LatencyModel, LatencyPart } from "../model/latency-model.ts";
import type { StepRecord } from "../model/step-record.ts";
import { ColumnStore } from "./column-store.ts";

interface UnitMinuteRecord {
  readonly name: string;
  /** Requests/s reaching its pods (mean over the minute), failed ones included. */
  readonly rps: number;
  /** Requests its pods refused in the minute (queue full: target 5xx). */
  readonly failed: number;
  readonly readyPods: number;
  readonly billedPods: number;
  readonly pendingPods: number;
  /** Pods the Deployment asks for (spec.replicas, as KEDA or a hold set it) at the end of the minute. */
  readonly replicas: number;
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
  /**
   * The SLO's statistic over all the minute's requests, a failed one counted as slower than
   * any answer: Infinity when the failures alone are more than the statistic's tail (5 % for
   * p95; for `average`, more than 5 %); null without requests. Over the objective exactly
   * when the minute broke the SLO.
   */
  readonly latencyAllMs: number | null;
  /** More than the SLO's tail (5 % for p95, 1 % for p99) of the minute's requests were slower than the SLO or failed. */
  readonly sloViolated: boolean;
  readonly costUsd: number;
  /** USD per hour of the pods running at the end of the minute. */
  readonly hourlyCost: number;
  readonly units: readonly UnitMinuteRecord[];
}

/** The keys of T whose values are numbers (or null, stored as NaN). */
type NumericKeys<T> = { [K in keyof T]-?: T[K] extends number | null ? K : never }[keyof T];

const MODES: readonly Mode[] = ["cost", "capacity"];
const MINUTE_COLUMNS = [
  "at",
  "demandRps",
  "requests",
  "failed",
  "latencyMs",
  "latencyAllMs",
  "costUsd",
  "hourlyCost",
] as const satisfies readonly NumericKeys<MinuteRecord>[];
const UNIT_COLUMNS = [
  "rps",
  "failed",
  "readyPods",
  "billedPods",
  "pendingPods",
  "replicas",
  "weight",
  "p95Ms",
  "minReplicas",
] as const satisfies readonly NumericKeys<UnitMinuteRecord>[];
type MinuteColumn = (typeof MINUTE_COLUMNS)[number];
type UnitMinuteColumn = (typeof UNIT_COLUMNS)[number];
// A number added to MinuteRecord or UnitMinuteRecord needs a column above: these stop compiling until it has one.
const minuteColumnsComplete: Exclude<NumericKeys<MinuteRecord>, MinuteColumn> extends never ? true : never =
  true;
const unitColumnsComplete: Exclude<NumericKeys<UnitMinuteRecord>, UnitMinuteColumn> extends never
  ? true
  : never = true;
void minuteColumnsComplete;
void unitColumnsComplete;

const MODE_COLUMN = MINUTE_COLUMNS.length;
const VIOLATED_COLUMN = MODE_COLUMN + 1;
const FIRST_UNIT_COLUMN = VIOLATED_COLUMN + 1;
const NULL = Number.NaN;

/**
 * The minutes of one policy's run, in time order, kept in columns (null as NaN): the charts
 * and the summary read numbers by index without a record per minute; `at(i)` and iteration
 * build records for the code that wants them.
 */
export class MinuteSeries implements Iterable<MinuteRecord> {
  readonly units: readonly string[];
  readonly #store: ColumnStore;

  constructor(units: readonly string[], capacity = 1024) {
    this.units = units;
    this.#store = new ColumnStore(FIRST_UNIT_COLUMN + UNIT_COLUMNS.length * units.length, capacity);
  }

  /** A series of the given records (tests, and anything that builds minutes by hand). */
  static of(units: readonly string[], records: Iterable<MinuteRecord>): MinuteSeries {
    const series = new MinuteSeries(units);
    for (const record of records) {
      series.push(record);
    }
    return series;
  }

  get length(): number {
    return this.#store.length;
  }

  push(record: MinuteRecord): void {
    const row = this.#store.append();
    MINUTE_COLUMNS.forEach((column, c) => {
      this.#store.set(row, c, record[column] ?? NULL);
    });
    this.#store.set(row, MODE_COLUMN, MODES.indexOf(record.mode));
    this.#store.set(row, VIOLATED_COLUMN, record.sloViolated ? 1 : 0);
    this.units.forEach((name, u) => {
      const unit =
        record.units[u]?.name === name ? record.units[u] : record.units.find((x) => x.name === name);
      UNIT_COLUMNS.forEach((column, c) => {
        this.#store.set(row, this.#unitColumn(u, c), unit === undefined ? NULL : (unit[column] ?? NULL));
      });
    });
  }

  timeAt(i: number): EpochMs {
    return this.#store.get(i, 0);
  }

  modeAt(i: number): Mode {
    return MODES[this.#store.get(i, MODE_COLUMN)] as Mode;
  }

  violatedAt(i: number): boolean {
    return this.#store.get(i, VIOLATED_COLUMN) === 1;
  }

  /** A number of minute `i`; NaN for null. */
  value(i: number, column: MinuteColumn): number {
    return this.#store.get(i, MINUTE_COLUMNS.indexOf(column));
  }

  /** A number of unit `u` (its index in `units`) in minute `i`; NaN for null. */
  unitValue(i: number, u: number, column: UnitMinuteColumn): number {
    return this.#store.get(i, this.#unitColumn(u, UNIT_COLUMNS.indexOf(column)));
  }

  /** The index of the first minute at or after `at` (the length when none is). */
  indexAt(at: EpochMs): number {
    let low = 0;
    let high = this.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (this.timeAt(mid) < at) {
        low = mid + 1;
      } else {
        high = mid;
      }
    }
    return low;
  }

  /** Minute `i` as a record, built on each call. */
  at(i: number): MinuteRecord | undefined {
    if (!(i >= 0 && i < this.length)) {
      return undefined;
    }
    const record: Record<string, unknown> = { mode: this.modeAt(i), sloViolated: this.violatedAt(i) };
    MINUTE_COLUMNS.forEach((column, c) => {
      const value = this.#store.get(i, c);
      record[column] = Number.isNaN(value) ? null : value;
    });
    record.units = this.units.map((name, u) => {
      const unit: Record<string, unknown> = { name };
      UNIT_COLUMNS.forEach((column, c) => {
        const value = this.#store.get(i, this.#unitColumn(u, c));
        unit[column] = Number.isNaN(value) ? null : value;
      });
      return unit;
    });
    return record as unknown as MinuteRecord;
  }

  *[Symbol.iterator](): Iterator<MinuteRecord> {
    for (let i = 0; i < this.length; i += 1) {
      yield this.at(i) as MinuteRecord;
    }
  }

  #unitColumn(u: number, c: number): number {
    return FIRST_UNIT_COLUMN + u * UNIT_COLUMNS.length + c;
  }
}

/**
 * Folds a run's steps into its minutes as they come, so no step needs to be kept: a
 * minute is closed when the first step of the next one arrives (or at `finish`).
 *
 * A minute breaks the SLO when the share of its requests that were slower than the
 * objective, or failed, exceeds what the objective's statistic allows (5 % for p95, 1 % for
 * p99; for `average`, when the mean is over it or 5 % failed): a failed request is never
 * within the objective.
 */
export class MinuteBuilder {
  readonly #service: InferenceService;
  readonly #latency: LatencyModel;
  readonly #minutes: MinuteSeries;
  #group: StepRecord[] = [];
  #minute: EpochMs | null = null;

  constructor(service: InferenceService, latency: LatencyModel, capacity = 1024) {
    this.#service = service;
    this.#latency = latency;
    this.#minutes = new MinuteSeries(
      service.units.map((u) => u.name),
      capacity,
    );
  }

  add(step: StepRecord): void {
    const minute = Math.floor(step.at / MINUTE) * MINUTE;
    if (minute !== this.#minute) {
      this.#close();
      this.#minute = minute;
    }
    this.#group.push(step);
  }

  /** The minutes so far, the last one closed. */
  finish(): MinuteSeries {
    this.#close();
    return this.#minutes;
  }

  #close(): void {
    if (this.#minute !== null && this.#group.length > 0) {
      this.#minutes.push(minuteOf(this.#group, this.#minute, this.#service, this.#latency));
    }
    this.#group = [];
  }
}

/** The minute starting at `at` from its steps. */
function minuteOf(
  group: readonly StepRecord[],
  at: EpochMs,
  service: InferenceService,
  latency: LatencyModel,
): MinuteRecord {
  const slo = service.slo;
  const allowedTail = slo.statistic === "average" ? 0.05 : 1 - Number(slo.statistic.slice(1)) / 100;
  const last = group[group.length - 1] as StepRecord;
  let requests = 0;
  let failed = 0;
  let slow = 0;
  let latencySum = 0;
  let answered = 0;
  const parts: LatencyPart[] = [];
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
  const latencyMs = latency.statisticMs(parts, slo.statistic);
  return {
    at,
    demandRps: group.reduce((sum, s) => sum + s.demandRps, 0) / group.length,
    mode: last.mode,
    requests,
    failed,
    latencyMs,
    // With no failure, the statistic of all requests is the answered requests' (solved once).
    latencyAllMs:
      failed > 0
        ? latency.statisticOverAllMs(parts, requests, failed, slo.statistic)
        : requests > 0
          ? latencyMs
          : null,
    sloViolated,
    costUsd: group.reduce((sum, s) => sum + s.costUsd, 0),
    hourlyCost: last.hourlyCost,
    units: last.units.map((unit) => {
      let rps = 0;
      let unitFailed = 0;
      for (const step of group) {
        const same = step.units.find((u) => u.name === unit.name);
        rps += same?.rps ?? 0;
        unitFailed += same?.failed ?? 0;
      }
      return {
        name: unit.name,
        rps: rps / group.length,
        failed: unitFailed,
        readyPods: unit.readyPods,
        billedPods: unit.billedPods,
        pendingPods: unit.pendingPods,
        replicas: unit.replicas,
        weight: unit.weight,
        p95Ms: unit.p95Ms,
        minReplicas: unit.minReplicas,
      };
    }),
  };
}
