import type { FloorAction, ReleaseFloor } from "../forecast/replica-floor.ts";
import { SWITCHYARD_ANNOTATIONS } from "./annotations.ts";
import { firstWindowEnd } from "./hpa-behavior.ts";
import { type JsonPatchOperation, jsonPointer } from "./json-patch.ts";
import { holdOwnedBy } from "./replica-hold.ts";
import type { ScaledObjectLike } from "./scaledobject-patch.ts";

/** KEDA's defaults when a ScaledObject leaves them out (keda-docs, reference/scaledobject-spec.md). */
const KEDA_DEFAULT_MIN_REPLICAS = 0;
const KEDA_DEFAULT_MAX_REPLICAS = 100;

/** The part of a ScaledObject the floor reads. */
interface FloorObject {
  readonly metadata?: {
    readonly resourceVersion?: string;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly spec?: {
    readonly minReplicaCount?: number;
    readonly maxReplicaCount?: number;
    /** Where the HPA's scale-down window is (a lifted hold's floor lasts one). */
    readonly advanced?: NonNullable<ScaledObjectLike["spec"]>["advanced"];
  };
}

/**
 * What happened to a floor: raised (or moved while raised), restored to the owner's
 * value, nothing to change, or dropped because someone else set minReplicaCount since
 * Switchyard did (the value is theirs now; only Switchyard's mark is removed).
 */
export type ReplicaFloorOutcome = "raised" | "restored" | "unchanged" | "changed-by-someone-else";

interface ReplicaFloorPatch {
  readonly outcome: ReplicaFloorOutcome;
  /** spec.minReplicaCount as read (KEDA's default when absent). */
  readonly from: number;
  /** spec.minReplicaCount after the patch. */
  readonly to: number;
  /** RFC 6902 operations, guarded by the resourceVersion read; [] when nothing is to be written. */
  readonly ops: readonly JsonPatchOperation[];
}

interface FloorMark {
  readonly floor: number;
  /** The owner's minReplicaCount before the floor; null when the field was absent. */
  readonly base: number | null;
  /** A lifted hold's floor and the end of its window; null when none (or unreadable). */
  readonly release: ReleaseFloor | null;
}

/**
 * Reads `switchyard.io/replica-floor`: `<floor>;base=<n>` or `<floor>;base=-`, and
 * `;release=<pods>@<RFC 3339 end>` while a lifted hold's floor lasts.
 */
export function parseFloorMark(mark: string | undefined): FloorMark | null {
  const match = mark === undefined ? null : /^(\d+);base=(\d+|-)(?:;release=(\d+)@(\S+))?$/.exec(mark.trim());
  if (match === null) {
    return null;
  }
  const until = match[4] === undefined ? Number.NaN : Date.parse(match[4]);
  return {
    floor: Number(match[1]),
    base: match[2] === "-" ? null : Number(match[2]),
    release: Number.isFinite(until) ? { pods: Number(match[3]), until } : null,
  };
}

function markOf(floor: number, base: number | null, release: ReleaseFloor | null): string {
  const window = release === null ? "" : `;release=${release.pods}@${new Date(release.until).toISOString()}`;
  return `${floor};base=${base === null ? "-" : base}${window}`;
}

/** Two release floors on one unit (two holds lifted within a window): the more pods, the later end. */
function mergedRelease(a: ReleaseFloor | null, b: ReleaseFloor): ReleaseFloor {
  return a === null ? b : { pods: Math.max(a.pods, b.pods), until: Math.max(a.until, b.until) };
}

const MIN_PATH = jsonPointer(["spec", "minReplicaCount"]);
const MARK_PATH = jsonPointer(["metadata", "annotations", SWITCHYARD_ANNOTATIONS.replicaFloor]);

/**
 * The JSON patch (RFC 6902) that applies a floor — the forecast's, a lifted hold's, or
 * both (forecast/release-floor.ts) — to a ScaledObject's spec.minReplicaCount: the one
 * writer of that field. Switchyard owns a raised value only while its mark says it wrote
 * it: the owner's value (`base`) is what it raises from and what it puts back; a value
 * changed by someone else since is theirs (Switchyard drops its mark and writes nothing
 * more). The floor never goes below the owner's value nor above maxReplicaCount (KEDA's
 * webhook refuses min > max). Every patch starts with a `test` of the resourceVersion
 * read, so a concurrent write makes the API server refuse it (and the guarded write reads
 * again). A merge patch would do for these fields, but JSON patch keeps the guard in the
 * body, as for the trigger target.
 */
export function replicaFloorPatch(object: FloorObject, action: FloorAction): ReplicaFloorPatch {
  const current = object.spec?.minReplicaCount;
  const from = current ?? KEDA_DEFAULT_MIN_REPLICAS;
  const max = object.spec?.maxReplicaCount ?? KEDA_DEFAULT_MAX_REPLICAS;
  const annotations = object.metadata?.annotations;
  const mark = parseFloorMark(annotations?.[SWITCHYARD_ANNOTATIONS.replicaFloor]);
  const guard: JsonPatchOperation = {
    op: "test",
    path: jsonPointer(["metadata", "resourceVersion"]),
    value: object.metadata?.resourceVersion ?? "",
  };
  const unchanged: ReplicaFloorPatch = { outcome: "unchanged", from, to: from, ops: [] };
  if (mark !== null && mark.floor !== from) {
    return {
      outcome: "changed-by-someone-else",
      from,
      to: from,
      ops: [guard, { op: "remove", path: MARK_PATH }],
    };
  }
  const ours = mark !== null;
  const base = ours ? mark.base : (current ?? null);
  const baseValue = base ?? KEDA_DEFAULT_MIN_REPLICAS;
  const restore = (): ReplicaFloorPatch =>
    ours
      ? {
          outcome: "restored",
          from,
          to: baseValue,
          ops: [
            guard,
            base === null ? { op: "remove", path: MIN_PATH } : { op: "add", path: MIN_PATH, value: base },
            { op: "remove", path: MARK_PATH },
          ],
        }
      : unchanged;
  if (action.kind === "keep") {
    return unchanged;
  }
  if (action.kind === "restore") {
    return restore();
  }
  if (action.kind === "hold-release" && !holdOwnedBy(annotations ?? {}, action.owner)) {
    // Not this switch's hold (gone, another switch's, someone else's pause): lifting
    // nothing, it leaves nothing to guard.
    return unchanged;
  }
  // A release floor never lowers a floor of Switchyard's (the forecast's may be higher).
  const release =
    action.kind === "hold-release"
      ? { pods: action.pods, until: firstWindowEnd(object, action.releasedAt) }
      : action.kind === "keep-release"
        ? action.release
        : null;
  const wanted =
    action.kind === "raise"
      ? { pods: action.pods, release: action.release ?? null }
      : {
          pods: Math.max(ours ? from : 0, release?.pods ?? 0),
          release: release === null ? null : mergedRelease(mark?.release ?? null, release),
        };
  const floor = Math.min(max, Math.floor(wanted.pods));
  if (floor <= baseValue) {
    return restore();
  }
  const value = markOf(floor, base, wanted.release);
  if (ours && floor === from && annotations?.[SWITCHYARD_ANNOTATIONS.replicaFloor] === value) {
    return unchanged;
  }
  const markOp: JsonPatchOperation =
    annotations === undefined
      ? {
          op: "add",
          path: jsonPointer(["metadata", "annotations"]),
          value: { [SWITCHYARD_ANNOTATIONS.replicaFloor]: value },
        }
      : { op: "add", path: MARK_PATH, value };
  return {
    outcome: "raised",
    from,
    to: floor,
    ops: [guard, { op: "add", path: MIN_PATH, value: floor }, markOp],
  };
}
