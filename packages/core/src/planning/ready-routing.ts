import { EPSILON } from "../units.ts";

/** One unit as routing to the pods ready now sees it. */
export interface ReadyUnit {
  /** Requests/s one pod serves in this mode (maxRps in cost mode, its SLO-safe adjusted rate in capacity mode). */
  readonly perPodRps: number;
  /** Ready pods that stay (not being reclaimed), and whether the unit can take traffic at all. */
  readonly readyPods: number;
  readonly serves: boolean;
  /** The pods the plan may give it. */
  readonly min: number;
  readonly max: number;
}

/** Shares, pods and what they cover when traffic follows the pods ready now. */
interface ReadyRouting {
  /** Requests/s each unit is routed: the weights are proportional to it. */
  readonly loads: readonly number[];
  readonly pods: readonly number[];
  readonly capacityRps: number;
}

/**
 * Routing that follows the pods ready now. When they can carry demand, every ready pod
 * runs at the same fraction of its breaking point. When they
 * cannot, a unit that cannot grow now (frozen, or capped at the pods that stay while
 * others are reclaimed) is routed what its ready pods serve at their breaking point, no
 * more — with fixed weights, more would stay on it after the others have grown — and the
 * units that can grow share the rest of demand in proportion to what their ready pods
 * serve. Each unit is planned the pods its share needs at `demand × (1 + headroom)` (at
 * least the ready ones, at most its max): held there by the move, they start at once.
 * Null when no ready pod can serve.
 *
 * This is the routing of a move that cannot wait for new pods — a loss whose pods are
 * gone or being reclaimed — in cost mode and in capacity mode alike: weights that follow
 * the plan's pods would send the pods still starting their share too, and round-robin
 * through the consolidated Service gives a unit's one or two ready pods the same load
 * as any other, beyond what a slower accelerator serves (120 RPS to a single a10g pod
 * whose breaking point is 90).
 */
export function readyRouting(
  units: readonly ReadyUnit[],
  demandRps: number,
  headroom: number,
): ReadyRouting | null {
  const ready = units.map((u) => (u.serves ? u.readyPods * u.perPodRps : 0));
  const total = ready.reduce((sum, c) => sum + c, 0);
  if (!(total > EPSILON)) {
    return null;
  }
  const grows = units.map((u) => u.serves && u.max > u.readyPods);
  const growing = ready.reduce((sum, c, i) => sum + (grows[i] === true ? c : 0), 0);
  const capped = total - growing;
  const loads =
    demandRps <= total + EPSILON || growing <= EPSILON
      ? ready.map((c) => (demandRps * c) / total)
      : ready.map((c, i) => (grows[i] === true ? ((demandRps - capped) * c) / growing : c));
  const requiredRps = demandRps * (1 + headroom);
  const pods = units.map((u, i) => {
    const share = demandRps > 0 ? (loads[i] ?? 0) / demandRps : 0;
    const needed = u.perPodRps > 0 ? Math.ceil((requiredRps * share) / u.perPodRps - EPSILON) : 0;
    return Math.min(u.max, Math.max(u.min, u.readyPods, needed));
  });
  // With the shares fixed, the unit that fills first limits the whole service.
  const capacityRps = units.reduce((limit, u, i) => {
    const share = demandRps > 0 ? (loads[i] ?? 0) / demandRps : 0;
    return share > EPSILON ? Math.min(limit, ((pods[i] ?? 0) * u.perPodRps) / share) : limit;
  }, Number.POSITIVE_INFINITY);
  return { loads, pods, capacityRps: Number.isFinite(capacityRps) ? capacityRps : 0 };
}
