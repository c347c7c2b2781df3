import type { Mode } from "@switchyard/core";
import type { StepRecord, UnitStep } from "../model/step-record.ts";
import { ColumnStore } from "./column-store.ts";

// A month of one-minute steps is 44,640 StepRecords of five UnitSteps each per policy:
// held as objects for five policies, that is hundreds of megabytes of small objects. The
// log keeps every number in columns instead and builds a StepRecord only when one is read.

/** The keys of T whose values are numbers (or null, stored as NaN). */
export type NumericKeys<T> = { [K in keyof T]-?: T[K] extends number | null ? K : never }[keyof T];

/** Every number of a UnitStep, one column per unit each. */
const UNIT_COLUMNS = [
  "rps",
  "requests",
  "failed",
  "p95Ms",
  "readyPods",
  "billedPods",
  "pendingPods",
  "replicas",
  "weight",
  "hourlyCost",
] as const satisfies readonly NumericKeys<UnitStep>[];
/** Every number of a StepRecord. */
const STEP_COLUMNS = [
  "at",
  "demandRps",
  "elbFailed",
  "costUsd",
  "hourlyCost",
] as const satisfies readonly NumericKeys<StepRecord>[];

type UnitColumn = (typeof UNIT_COLUMNS)[number];
type StepColumn = (typeof STEP_COLUMNS)[number];
// A number added to UnitStep or StepRecord needs a column above: these stop compiling until it has one.
const unitColumnsComplete: Exclude<NumericKeys<UnitStep>, UnitColumn> extends never ? true : never = true;
const stepColumnsComplete: Exclude<NumericKeys<StepRecord>, StepColumn> extends never ? true : never = true;
void unitColumnsComplete;
void stepColumnsComplete;

export const MODES: readonly Mode[] = ["cost", "capacity"];
const MODE_COLUMN = STEP_COLUMNS.length;
const FIRST_UNIT_COLUMN = MODE_COLUMN + 1;

/** The steps of one policy's run, in order; each step's units in the service's order. */
export class StepLog implements Iterable<StepRecord> {
  readonly units: readonly string[];
  readonly #store: ColumnStore;

  constructor(units: readonly string[], capacity = 1024) {
    this.units = units;
    this.#store = new ColumnStore(FIRST_UNIT_COLUMN + UNIT_COLUMNS.length * units.length, capacity);
  }

  get length(): number {
    return this.#store.length;
  }

  push(step: StepRecord): void {
    const row = this.#store.append();
    STEP_COLUMNS.forEach((column, c) => {
      this.#store.set(row, c, step[column]);
    });
    this.#store.set(row, MODE_COLUMN, MODES.indexOf(step.mode));
    this.units.forEach((name, u) => {
      const unit = step.units[u]?.name === name ? step.units[u] : step.units.find((x) => x.name === name);
      if (unit === undefined) {
        throw new Error(`the step at ${new Date(step.at).toISOString()} has no unit ${name}`);
      }
      UNIT_COLUMNS.forEach((column, c) => {
        this.#store.set(row, this.#unitColumn(u, c), unit[column] ?? Number.NaN);
      });
    });
  }

  /** A number of step `i`. */
  value(i: number, column: StepColumn): number {
    return this.#store.get(i, STEP_COLUMNS.indexOf(column));
  }

  modeAt(i: number): Mode {
    return MODES[this.#store.get(i, MODE_COLUMN)] as Mode;
  }

  /** A number of unit `u` (its index in `units`) in step `i`; NaN for a null p95. */
  unitValue(i: number, u: number, column: UnitColumn): number {
    return this.#store.get(i, this.#unitColumn(u, UNIT_COLUMNS.indexOf(column)));
  }

  /** Step `i` as a record, built on each call. */
  at(i: number): StepRecord | undefined {
    if (!(i >= 0 && i < this.length)) {
      return undefined;
    }
    const record: Record<string, unknown> = { mode: this.modeAt(i) };
    STEP_COLUMNS.forEach((column, c) => {
      record[column] = this.#store.get(i, c);
    });
    record.units = this.units.map((name, u) => {
      const unit: Record<string, unknown> = { name };
      UNIT_COLUMNS.forEach((column, c) => {
        const value = this.#store.get(i, this.#unitColumn(u, c));
        unit[column] = Number.isNaN(value) ? null : value;
      });
      return unit;
    });
    return record as unknown as StepRecord;
  }

  find(predicate: (step: StepRecord) => boolean): StepRecord | undefined {
    for (const step of this) {
      if (predicate(step)) {
        return step;
      }
    }
    return undefined;
  }

  *[Symbol.iterator](): Iterator<StepRecord> {
    for (let i = 0; i < this.length; i += 1) {
      yield this.at(i) as StepRecord;
    }
  }

  #unitColumn(u: number, c: number): number {
    return FIRST_UNIT_COLUMN + u * UNIT_COLUMNS.length + c;
  }
}
