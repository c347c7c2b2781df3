import type { EpochMs } from "@switchyard/core";
import type { SimClock } from "../adapters/sim-clock.ts";

interface Task {
  readonly at: EpochMs;
  readonly order: number;
  readonly run: () => Promise<void>;
}

/**
 * The control plane's calendar: Lambda invocations, Step Functions states and waits run
 * at their own times between the environment's steps, in time order (ties in the order
 * they were scheduled), with the clock set to each task's time.
 */
export class SimScheduler {
  readonly #clock: SimClock;
  #tasks: Task[] = [];
  #order = 0;

  constructor(clock: SimClock) {
    this.#clock = clock;
  }

  at(at: EpochMs, run: () => Promise<void>): void {
    this.#tasks.push({ at, order: this.#order++, run });
  }

  /** Runs every task due before `end`, including tasks those tasks schedule before `end`. */
  async runUntil(end: EpochMs): Promise<void> {
    for (;;) {
      let next: Task | undefined;
      for (const task of this.#tasks) {
        if (
          task.at < end &&
          (next === undefined || task.at < next.at || (task.at === next.at && task.order < next.order))
        ) {
          next = task;
        }
      }
      if (next === undefined) {
        return;
      }
      const chosen = next;
      this.#tasks = this.#tasks.filter((task) => task !== chosen);
      this.#clock.set(Math.max(this.#clock.now(), chosen.at));
      await chosen.run();
    }
  }
}
