import type { EpochMs } from "@switchyard/core";
import type { CapacityWindow } from "../scenario/types.ts";

/**
 * Where an instance is launched: a zone (null for a unit whose zones are not listed:
 * only windows without a zone reach it) and a capacity type.
 */
export interface Offering {
  readonly zone: string | null;
  readonly capacityType: "spot" | "on-demand";
}

/** Any zone, on-demand: how a unit without zones or Spot launches, and what the calendar assumes when not told. */
const PLAIN_OFFERING: Offering = { zone: null, capacityType: "on-demand" };

/** Whether a window covers an offering: its zone (or every zone) and its capacity type (or both). */
export function windowCovers(window: CapacityWindow, offering: Offering): boolean {
  return (
    (window.zone === null || window.zone === offering.zone) &&
    (window.capacityType === null || window.capacityType === offering.capacityType)
  );
}

/** Which instance types EC2 can launch when: the scenario's capacity windows as queries. */
export class CapacityCalendar {
  readonly windows: readonly CapacityWindow[];

  constructor(windows: readonly CapacityWindow[]) {
    this.windows = [...windows].sort((a, b) => a.from - b.from);
  }

  /** Whether a new instance of `instanceType` can start at `at` in an offering (windows are [from, to)). */
  canLaunch(instanceType: string, at: EpochMs, offering: Offering = PLAIN_OFFERING): boolean {
    return !this.windows.some(
      (w) => w.instanceType === instanceType && w.from <= at && at < w.to && windowCovers(w, offering),
    );
  }

  /** Windows opening in [from, to) that take running pods with them. */
  podLossesBetween(from: EpochMs, to: EpochMs): CapacityWindow[] {
    return this.windows.filter((w) => w.podsLost && w.from >= from && w.from < to);
  }

  /** Windows that take running pods whose Spot warning falls in [from, to). */
  warningsBetween(from: EpochMs, to: EpochMs): CapacityWindow[] {
    return this.windows.filter(
      (w) =>
        w.podsLost &&
        w.warningLeadMs !== null &&
        w.from - w.warningLeadMs >= from &&
        w.from - w.warningLeadMs < to,
    );
  }

  /** When the window blocking `instanceType` at `at` ends, or null when nothing blocks it. */
  blockedUntil(instanceType: string, at: EpochMs, offering: Offering = PLAIN_OFFERING): EpochMs | null {
    const window = this.windows.find(
      (w) => w.instanceType === instanceType && w.from <= at && at < w.to && windowCovers(w, offering),
    );
    return window === undefined ? null : window.to;
  }
}
