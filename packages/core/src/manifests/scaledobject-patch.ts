import type { DeploymentUnit } from "../config/types.ts";
import { ManifestError } from "../errors.ts";
import { type JsonPatchOperation, jsonPointer } from "./json-patch.ts";

/** The part of a KEDA ScaledObject Switchyard reads. */
export interface ScaledObjectLike {
  readonly metadata?: { readonly name?: string };
  readonly spec?: {
    readonly triggers?: readonly {
      readonly type?: string;
      readonly metadata?: Readonly<Record<string, unknown>>;
    }[];
  };
}

type ScaledObjectRef = DeploymentUnit["scaledObject"];

function targetPath(ref: ScaledObjectRef): string {
  return jsonPointer(["spec", "triggers", ref.triggerIndex, "metadata", ref.metadataKey]);
}

/**
 * JSON patch (RFC 6902) that sets one trigger's per-pod target. A `test` op guards
 * the value read, so a concurrent edit makes the API server refuse the patch instead
 * of being overwritten. Custom resources refuse strategic merge, and a merge patch
 * would replace the whole `triggers` array; this touches one string. Returns [] when
 * the target already has the value.
 */
export function scaledObjectTargetPatch(
  current: ScaledObjectLike,
  ref: ScaledObjectRef,
  value: string,
): JsonPatchOperation[] {
  const where = `ScaledObject ${current.metadata?.name ?? ref.name}`;
  const triggers = current.spec?.triggers ?? [];
  const trigger = triggers[ref.triggerIndex];
  if (trigger === undefined) {
    throw new ManifestError(
      where,
      `has ${triggers.length} trigger(s); scaledObject.triggerIndex ${ref.triggerIndex} in the config points past them`,
    );
  }
  const path = targetPath(ref);
  const old = trigger.metadata?.[ref.metadataKey];
  if (old === value) {
    return [];
  }
  if (old === undefined) {
    if (trigger.metadata === undefined) {
      throw new ManifestError(
        where,
        `trigger ${ref.triggerIndex} has no metadata to hold ${ref.metadataKey}`,
      );
    }
    return [
      { op: "test", path: jsonPointer(["spec", "triggers", ref.triggerIndex, "type"]), value: trigger.type },
      { op: "add", path, value },
    ];
  }
  return [
    { op: "test", path, value: old },
    { op: "replace", path, value },
  ];
}

/** The patch for applying by hand (`kubectl patch --type json`), with no value to guard. */
export function handAppliedTargetPatch(ref: ScaledObjectRef, value: string): JsonPatchOperation[] {
  return [{ op: "replace", path: targetPath(ref), value }];
}
