import type { CapacityType, DeploymentUnit } from "../config/types.ts";
import { capacityTypesOf } from "../planning/capacity-cells.ts";
import type { UnitCondition } from "../planning/types.ts";
import { type CapacitySignal, type EpochMs, isInterruptionWarning, type NodeCell } from "../signals/types.ts";
import { MINUTE } from "../units.ts";

/**
 * How long after a Spot interruption warning the warned instances still run: EC2 sends
 * the warning "two minutes prior to the actual interruption" (EC2 User Guide, "Spot
 * Instance interruption notices"). After that the pods are gone and the Deployment's
 * ready count says so by itself.
 */
export const WARNING_LEAD_MS = 2 * MINUTE;

/**
 * Whether a capacity signal concerns a unit's pool: one of its instance types, a capacity
 * type its NodePool may launch (a Spot error says nothing of an on-demand-only unit), and
 * a zone it spreads over when both are known. A signal that does not say its capacity
 * type or zone concerns every unit of its instance type, as before either was read.
 * `peers`: the service's units, for a Spot warning of a type no unit declares Spot.
 */
export function signalConcerns(
  unit: DeploymentUnit,
  signal: CapacitySignal,
  peers: readonly DeploymentUnit[] = [unit],
): boolean {
  if (!unit.instanceTypes.includes(signal.instanceType)) {
    return false;
  }
  if (signal.capacityType !== undefined && !capacityTypesOf(unit).includes(signal.capacityType)) {
    // A warning proves its instance is Spot: when no unit of its type says it runs on
    // Spot, the config is behind the NodePools, and the units of that type are the ones
    // losing pods.
    const unclaimed =
      isInterruptionWarning(signal) &&
      !peers.some(
        (peer) => peer.instanceTypes.includes(signal.instanceType) && capacityTypesOf(peer).includes("spot"),
      );
    if (!unclaimed) {
      return false;
    }
  }
  const zone = signal.availabilityZone;
  return zone === undefined || unit.zones === undefined || unit.zones.includes(zone);
}

/** One place a unit can launch a pod: a zone it spreads over (null: any zone) and a capacity type it may use. */
interface Offering {
  readonly zone: string | null;
  readonly capacityType: CapacityType;
}

function offeringsOf(unit: DeploymentUnit): Offering[] {
  const zones: readonly (string | null)[] = unit.zones ?? [null];
  return zones.flatMap((zone) => capacityTypesOf(unit).map((capacityType) => ({ zone, capacityType })));
}

function blocks(signal: CapacitySignal, offering: Offering): boolean {
  const zoneHit =
    offering.zone === null ||
    signal.availabilityZone === undefined ||
    signal.availabilityZone === offering.zone;
  const typeHit = signal.capacityType === undefined || signal.capacityType === offering.capacityType;
  return zoneHit && typeHit;
}

/**
 * Whether these signals leave the unit nowhere to launch: every zone it spreads over,
 * in every capacity type it may use, has had an error. Karpenter tries Spot first and
 * falls back to on-demand in a separate CreateFleet, and launches in any zone of the
 * NodePool that has an offering (aws/karpenter-provider-aws v1.14
 * pkg/providers/instance/instance.go, `getCapacityType`; the 3-minute unavailable
 * offerings cache keyed by instance type, zone and capacity type), so an error for one
 * zone or for Spot alone does not stop a unit that has others. For a unit of one zone
 * (or none listed) and one capacity type, any signal blocks it, as before zones and
 * capacity types were read.
 */
export function blocksEveryOffering(unit: DeploymentUnit, signals: readonly CapacitySignal[]): boolean {
  if (signals.length === 0) {
    return false;
  }
  return offeringsOf(unit).every((offering) => signals.some((signal) => blocks(signal, offering)));
}

/** The Spot interruption warnings of a unit whose instances still run (inside the two-minute lead). */
export function activeWarnings(
  unit: DeploymentUnit,
  signals: readonly CapacitySignal[],
  now: EpochMs,
  peers: readonly DeploymentUnit[] = [unit],
): CapacitySignal[] {
  return signals.filter(
    (s) =>
      isInterruptionWarning(s) &&
      s.at <= now &&
      s.at > now - WARNING_LEAD_MS &&
      signalConcerns(unit, s, peers),
  );
}

/** Where a unit's warned instances are: the zones the warnings named, or the whole unit when one named none. */
export interface WarnedCells {
  readonly zones: readonly string[];
  readonly wholeUnit: boolean;
}

/**
 * The cells the warnings of the last two minutes name, with those a running failover or
 * reroute was started for in that time (its input's reclaimingZones): EventBridge
 * delivers one warning per instance, each to its own evaluation, so an evaluation sees
 * its own warning and, through the moves already running, the ones before it.
 */
export function warnedCells(
  unit: DeploymentUnit,
  warnings: readonly CapacitySignal[],
  running: readonly UnitCondition[],
): WarnedCells {
  const zones = new Set<string>();
  let wholeUnit = false;
  for (const warning of warnings) {
    if (warning.availabilityZone === undefined || unit.zones === undefined) {
      wholeUnit = true;
    } else {
      zones.add(warning.availabilityZone);
    }
  }
  for (const condition of running) {
    if ((condition.reclaimingPods ?? 0) <= 0) {
      continue;
    }
    if (condition.reclaimingZones === undefined || unit.zones === undefined) {
      wholeUnit = true;
    } else {
      for (const zone of condition.reclaimingZones) zones.add(zone);
    }
  }
  return { zones: [...zones].sort(), wholeUnit };
}

/**
 * Ready pods of a unit that warnings say are being reclaimed. A warning names one
 * instance, but co-interruptions of one instance type in one zone come within three
 * minutes of each other in over 92 % of cases (Kim et al., "Spot-and-Scoot", arXiv
 * 2604.16457): so a warned zone counts the unit's whole cell there — the pods the
 * cluster's nodes place there (`placed`, placedPods), or else its ready pods ÷ its zones,
 * spread evenly — and a warning with no zone, or for a unit whose zones are not listed,
 * the whole unit.
 */
export function reclaimingPods(
  unit: DeploymentUnit,
  cells: WarnedCells,
  readyPods: number,
  placed: Readonly<Record<string, number>> | null = null,
): number {
  if (readyPods <= 0 || (!cells.wholeUnit && cells.zones.length === 0)) {
    return 0;
  }
  if (cells.wholeUnit || unit.zones === undefined) {
    return readyPods;
  }
  if (placed !== null) {
    return Math.min(
      readyPods,
      cells.zones.reduce((sum, zone) => sum + (placed[zone] ?? 0), 0),
    );
  }
  return Math.min(readyPods, cells.zones.length * Math.ceil(readyPods / unit.zones.length));
}

/**
 * Where a zoned Spot unit's ready pods stand: per listed zone, its ready pods in
 * proportion to the cluster's running Spot nodes of its instance types there, of all its
 * instance types' nodes (on-demand ones stand in no cell). Pods that came back after a
 * zone's loss stand in the other zones until they are replaced, so an even spread is no
 * longer where they are (the SpotHedge traces, MaoZiming/spothedge_ae data/AWS3: zones
 * go down together and come back apart). Null when no node of its types was read, or for
 * a unit that lists no zones or is not on Spot. The nodes are counted by instance type:
 * units sharing one share its nodes' spread.
 */
export function placedPods(
  unit: DeploymentUnit,
  nodes: readonly NodeCell[] | undefined,
  readyPods: number,
): Record<string, number> | null {
  const zones = unit.zones;
  if (nodes === undefined || zones === undefined || !capacityTypesOf(unit).includes("spot")) {
    return null;
  }
  const mine = nodes.filter((cell) => unit.instanceTypes.includes(cell.instanceType) && cell.nodes > 0);
  const total = mine.reduce((sum, cell) => sum + cell.nodes, 0);
  if (total <= 0) {
    return null;
  }
  // Largest remainders, so the zones' pods add up to the Spot nodes' share of the ready pods.
  const exact = zones.map(
    (zone) =>
      (readyPods *
        mine
          .filter((cell) => cell.capacityType === "spot" && cell.availabilityZone === zone)
          .reduce((sum, cell) => sum + cell.nodes, 0)) /
      total,
  );
  const pods = exact.map(Math.floor);
  let left = Math.round(exact.reduce((sum, x) => sum + x, 0)) - pods.reduce((sum, n) => sum + n, 0);
  const byRemainder = exact
    .map((x, z) => ({ z, r: x - Math.floor(x) }))
    .sort((a, b) => b.r - a.r || a.z - b.z);
  for (const { z } of byRemainder) {
    if (left <= 0) break;
    pods[z] = (pods[z] ?? 0) + 1;
    left -= 1;
  }
  return Object.fromEntries(zones.map((zone, z) => [zone, pods[z] ?? 0]));
}

/**
 * The zones of a Spot unit that have lost Spot capacity in these signals (a Spot or
 * unknown-type error, or a warning, naming the zone): its pods stand in its other
 * zones, so each of those is a larger cell. Zones go down together and in bursts (the
 * SpotHedge trace, MaoZiming/spothedge_ae data/AWS3: 43 % of the ticks with a zone down
 * have two or more down), so the hedge sizes for the zones that are left.
 */
export function impairedZones(unit: DeploymentUnit, signals: readonly CapacitySignal[]): string[] {
  const zones = unit.zones;
  if (zones === undefined || !capacityTypesOf(unit).includes("spot")) {
    return [];
  }
  const impaired = new Set<string>();
  for (const signal of signals) {
    const zone = signal.availabilityZone;
    if (zone !== undefined && zones.includes(zone) && signal.capacityType !== "on-demand") {
      impaired.add(zone);
    }
  }
  return [...impaired].sort();
}

/** Ready pods that will still be there in two minutes: what a plan can count on now. */
export function remainingPods(condition: UnitCondition | undefined): number {
  return Math.max(0, (condition?.runningPods ?? 0) - (condition?.reclaimingPods ?? 0));
}

/**
 * Whether a move routes to the pods ready now rather than to the plan's pods: an urgent
 * move (traffic moves before the receivers' pods are up) answering a cause that has no
 * ready pod left, or whose pods are being reclaimed. The weights then follow what each
 * unit's remaining ready pods serve, so none is sent more than it serves while there is
 * room elsewhere, and each unit is held at the pods its share needs; a later rebalance
 * returns to the least-cost mix.
 */
export function routesToReadyPods(
  urgent: boolean,
  causes: readonly string[],
  conditions: Readonly<Record<string, UnitCondition>>,
): boolean {
  return (
    urgent &&
    causes.some((name) => {
      const condition = conditions[name];
      return (condition?.reclaimingPods ?? 0) > 0 || remainingPods(condition) === 0;
    })
  );
}
