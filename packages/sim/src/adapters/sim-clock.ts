import type { EpochMs } from "@switchyard/core";
import type { Clock } from "@switchyard/core/ports";

/** The simulation's time: the runner moves it; everything that asks the time reads it here. */
export class SimClock implements Clock {
  #now: EpochMs;

  constructor(start: EpochMs) {
    this.#now = start;
  }

  now(): EpochMs {
    return this.#now;
  }

  set(at: EpochMs): void {
    this.#now = at;
  }
}
