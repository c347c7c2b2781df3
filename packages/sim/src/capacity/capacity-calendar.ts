import type { EpochMs } from "@switchyard/core";
import type { CapacityWindow } from "../scenario/types.ts";

/** Which instance types EC2 can launch when: the scenario's capacity windows as queries. */
export class CapacityCalendar {
  readonly windows: readonly CapacityWindow[];

  constructor(windows: readonly CapacityWindow[]) {
    this.windows = [...windows].sort((a, b) => a.from - b.from);
  }

  /** Whether a new instance of `instanceType` can start at `at` (windows are [from, to)). */
  canLaunch(instanceType: string, at: EpochMs): boolean {
    return !this.windows.some((w) => w.instanceType === instanceType && w.from <= at && at < w.to);
  }

  /** Windows opening in [from, to) that take running pods with them. */
  podLossesBetween(from: EpochMs, to: EpochMs): CapacityWindow[] {
    return this.windows.filter((w) => w.podsLost && w.from >= from && w.from < to);
  }

  /** When the window blocking `instanceType` at `at` ends, or null when nothing blocks it. */
  blockedUntil(instanceType: string, at: EpochMs): EpochMs | null {
    const window = this.windows.find((w) => w.instanceType === instanceType && w.from <= at && at < w.to);
    return window === undefined ? null : window.to;
  }
}
