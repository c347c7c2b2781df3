import { KEDA_PAUSED_REPLICAS, SWITCHYARD_ANNOTATIONS } from "./annotations.ts";
import { kedaPauses } from "./keda-pause.ts";

/**
 * What happened to a hold: set or lifted by this switch, already as wanted, left to the
 * switch that holds it now, or left alone because someone else paused the ScaledObject
 * (their pause is theirs to lift).
 */
export type ReplicaHoldOutcome =
  | "held"
  | "released"
  | "unchanged"
  | "held-by-another-switch"
  | "paused-by-someone-else";

interface ReplicaHoldPatch {
  readonly outcome: ReplicaHoldOutcome;
  /** The merge patch of the ScaledObject's annotations; null when nothing is to be written. */
  readonly patch: {
    readonly metadata: { readonly annotations: Readonly<Record<string, string | null>> };
  } | null;
  /** For a hold left undone because someone else paused the ScaledObject: their pauses, as `key=value`. */
  readonly pausedBy?: readonly string[];
}

/** `switchyard.io/held-replicas` reads `<replicas>@<execution name>`: whose hold it is. */
export function parseHoldMark(mark: string | undefined): { replicas: string; owner: string } | null {
  const at = mark?.indexOf("@") ?? -1;
  return mark === undefined || at < 0 ? null : { replicas: mark.slice(0, at), owner: mark.slice(at + 1) };
}

/**
 * Whether the ScaledObject is paused by the hold of switch `owner`: its mark names that
 * switch and KEDA's paused-replicas is still the count the mark says (lifting it unpauses
 * KEDA).
 */
export function holdOwnedBy(annotations: Readonly<Record<string, string>>, owner: string): boolean {
  const mark = parseHoldMark(annotations[SWITCHYARD_ANNOTATIONS.heldReplicas]);
  return mark !== null && mark.owner === owner && annotations[KEDA_PAUSED_REPLICAS] === mark.replicas;
}

/**
 * The pauses someone other than Switchyard set: every pause KEDA obeys (`kedaPauses`)
 * except a paused-replicas that Switchyard's hold mark claims. An operator's pause is
 * theirs: Switchyard never writes over it, and never reports a ScaledObject it leaves
 * paused as KEDA failing to resume.
 */
export function foreignPauses(annotations: Readonly<Record<string, string>>): string[] {
  const mark = parseHoldMark(annotations[SWITCHYARD_ANNOTATIONS.heldReplicas]);
  const held = mark !== null && annotations[KEDA_PAUSED_REPLICAS] === mark.replicas;
  return kedaPauses(annotations).filter((pause) => !(held && pause.startsWith(`${KEDA_PAUSED_REPLICAS}=`)));
}

/**
 * Make-before-break on KEDA: a receiving unit is held at `replicas` with KEDA's
 * `autoscaling.keda.sh/paused-replicas` (KEDA scales the workload to that many and stops
 * autoscaling) until traffic has moved and KEDA's metric has caught up, then released
 * (`replicas` null) so KEDA scales on the load again. Switchyard marks its holds with
 * `switchyard.io/held-replicas` naming the switch (`owner`, the execution name): a
 * switch lifts only its own hold, a later switch may take over a Switchyard hold, and a
 * pause Switchyard did not set is never touched: a ScaledObject someone else paused in
 * any of KEDA's ways (`paused`, `paused-replicas`, `paused-scale-in`, `paused-scale-out`)
 * is not held, since KEDA obeys paused-replicas over the others
 * (controllers/keda/scaledobject_controller.go `reconcileScaledObject`) and the hold
 * would undo their pause.
 */
export function replicaHoldPatch(
  annotations: Readonly<Record<string, string>>,
  replicas: number | null,
  owner: string,
): ReplicaHoldPatch {
  const paused = annotations[KEDA_PAUSED_REPLICAS];
  const mark = parseHoldMark(annotations[SWITCHYARD_ANNOTATIONS.heldReplicas]);
  const switchyards = mark !== null && paused === mark.replicas;
  if (replicas === null) {
    if (mark === null) {
      return { outcome: "unchanged", patch: null };
    }
    if (mark.owner !== owner) {
      return { outcome: "held-by-another-switch", patch: null };
    }
    // Our mark without our pause: someone changed the pause since; remove only the mark.
    const annotationsPatch: Record<string, string | null> = switchyards
      ? { [KEDA_PAUSED_REPLICAS]: null, [SWITCHYARD_ANNOTATIONS.heldReplicas]: null }
      : { [SWITCHYARD_ANNOTATIONS.heldReplicas]: null };
    return {
      outcome: switchyards ? "released" : "paused-by-someone-else",
      patch: { metadata: { annotations: annotationsPatch } },
    };
  }
  if (!Number.isInteger(replicas) || replicas < 0) {
    throw new RangeError(`a replica hold must be a whole number >= 0, got ${replicas}`);
  }
  const theirs = foreignPauses(annotations);
  if (theirs.length > 0) {
    return { outcome: "paused-by-someone-else", patch: null, pausedBy: theirs };
  }
  const value = String(replicas);
  const wanted = `${value}@${owner}`;
  if (switchyards && paused === value && annotations[SWITCHYARD_ANNOTATIONS.heldReplicas] === wanted) {
    return { outcome: "unchanged", patch: null };
  }
  return {
    outcome: "held",
    patch: {
      metadata: {
        annotations: { [KEDA_PAUSED_REPLICAS]: value, [SWITCHYARD_ANNOTATIONS.heldReplicas]: wanted },
      },
    },
  };
}
