import type { DeploymentUnit } from "../config/types.ts";
import { ManifestError } from "../errors.ts";
import { type JsonPatchOperation, jsonPointer } from "./json-patch.ts";

/** One entry of a KEDA ScaledObject's spec.triggers, as far as Switchyard reads it. */
interface ScaledObjectTrigger {
  readonly type?: string;
  readonly name?: string;
  readonly metadata?: Readonly<Record<string, unknown>>;
}

/** The part of a KEDA ScaledObject Switchyard reads. */
export interface ScaledObjectLike {
  readonly metadata?: {
    readonly name?: string;
    readonly resourceVersion?: string;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly spec?: {
    readonly minReplicaCount?: number;
    readonly maxReplicaCount?: number;
    readonly triggers?: readonly ScaledObjectTrigger[];
    readonly advanced?: {
      readonly horizontalPodAutoscalerConfig?: {
        readonly name?: string;
        /** Passed to the HPA verbatim (KEDA controllers/keda/hpa.go newHPAForScaledObject). */
        readonly behavior?: { readonly scaleDown?: { readonly stabilizationWindowSeconds?: unknown } };
      };
    };
  };
  readonly status?: {
    readonly conditions?: readonly {
      readonly type?: string;
      readonly status?: string;
      readonly reason?: string;
      readonly message?: string;
    }[];
  };
}

/**
 * The HPA KEDA makes for a ScaledObject: `keda-hpa-<name>`, unless
 * spec.advanced.horizontalPodAutoscalerConfig.name names it (KEDA controllers/keda/hpa.go getHPAName).
 */
export function kedaHpaName(object: ScaledObjectLike, name: string): string {
  const custom = object.spec?.advanced?.horizontalPodAutoscalerConfig?.name;
  return custom === undefined || custom === "" ? `keda-hpa-${name}` : custom;
}

type ScaledObjectRef = DeploymentUnit["scaledObject"];

/** The trigger that carries the unit's per-pod target, and where it sits in spec.triggers. */
interface ScalingTrigger {
  readonly index: number;
  readonly trigger: ScaledObjectTrigger;
}

function triggerLabel(ref: ScaledObjectRef): string {
  return ref.triggerName === undefined
    ? `${ref.triggerType} trigger`
    : `${ref.triggerType} trigger named ${ref.triggerName}`;
}

/**
 * Finds the trigger that carries the per-pod target: the one of type
 * `scaledObject.triggerType` (aws-cloudwatch unless the config says otherwise), and of
 * name `scaledObject.triggerName` when given — never by position, so a cpu trigger put
 * first is never written to. Refuses a ScaledObject with none, or with several and no
 * name to choose.
 */
function scalingTrigger(object: ScaledObjectLike, ref: ScaledObjectRef): ScalingTrigger {
  const where = `ScaledObject ${object.metadata?.name ?? ref.name}`;
  const triggers = object.spec?.triggers ?? [];
  const matching = triggers
    .map((trigger, index) => ({ index, trigger }))
    .filter(
      ({ trigger }) =>
        trigger.type === ref.triggerType &&
        (ref.triggerName === undefined || trigger.name === ref.triggerName),
    );
  const present = triggers.length === 0 ? "none" : triggers.map((t) => t.type ?? "(no type)").join(", ");
  const found = matching[0];
  if (found === undefined) {
    throw new ManifestError(
      `${where}: has no ${triggerLabel(ref)} (its triggers: ${present}); Switchyard sets ${ref.metadataKey} on that trigger only. Add it to the ScaledObject, or set scaledObject.triggerType${ref.triggerName === undefined ? "" : "/triggerName"} in the config to the trigger that carries the per-pod target`,
      { object: where },
    );
  }
  if (matching.length > 1) {
    throw new ManifestError(
      `${where}: has ${matching.length} ${ref.triggerType} triggers (at spec.triggers[${matching.map((m) => m.index).join("], [")}]); name the one that carries the per-pod target with scaledObject.triggerName in the config (the trigger's spec.triggers[].name)`,
      { object: where },
    );
  }
  return found;
}

/** The unit's per-pod target as the ScaledObject holds it, or undefined when the key is absent. */
export function scalingTargetOf(object: ScaledObjectLike, ref: ScaledObjectRef): string | undefined {
  const value = scalingTrigger(object, ref).trigger.metadata?.[ref.metadataKey];
  return value === undefined || value === null ? undefined : String(value);
}

/**
 * JSON patch (RFC 6902) that sets one trigger's per-pod target. `test` ops guard the
 * trigger's type (and name) at its index and the value read, so a concurrent edit — a
 * trigger added in front, the value changed — makes the API server refuse the patch
 * instead of writing to the wrong place. Custom resources refuse strategic merge, and a
 * merge patch would replace the whole `triggers` array; this touches one string. Returns
 * [] when the target already has the value. A trigger without the key is refused: KEDA
 * requires it (aws-cloudwatch's targetMetricValue is not optional), and Switchyard
 * changes an existing value but never adds a key it would then leave behind.
 */
export function scaledObjectTargetPatch(
  current: ScaledObjectLike,
  ref: ScaledObjectRef,
  value: string,
): JsonPatchOperation[] {
  const { index, trigger } = scalingTrigger(current, ref);
  const old = trigger.metadata?.[ref.metadataKey];
  if (old === value) {
    return [];
  }
  if (old === undefined || old === null) {
    const object = `ScaledObject ${current.metadata?.name ?? ref.name}`;
    throw new ManifestError(
      `${object}: its ${triggerLabel(ref)} (spec.triggers[${index}]) has no metadata.${ref.metadataKey}; KEDA needs it as the per-pod target. Set it in the ScaledObject, or name the key with scaledObject.metadataKey in the config`,
      { object },
    );
  }
  const path = jsonPointer(["spec", "triggers", index, "metadata", ref.metadataKey]);
  return [
    { op: "test", path: jsonPointer(["spec", "triggers", index, "type"]), value: ref.triggerType },
    ...(ref.triggerName === undefined
      ? []
      : [
          {
            op: "test",
            path: jsonPointer(["spec", "triggers", index, "name"]),
            value: ref.triggerName,
          } as const,
        ]),
    { op: "test", path, value: old },
    { op: "replace", path, value },
  ];
}

/**
 * The patch for applying by hand (`kubectl patch --type json`), from a plan made without
 * reading the cluster: it assumes the trigger is spec.triggers[0], and its `test` op on
 * the type makes the API server refuse it when that trigger is another.
 */
export function handAppliedTargetPatch(ref: ScaledObjectRef, value: string): JsonPatchOperation[] {
  return [
    { op: "test", path: jsonPointer(["spec", "triggers", 0, "type"]), value: ref.triggerType },
    { op: "replace", path: jsonPointer(["spec", "triggers", 0, "metadata", ref.metadataKey]), value },
  ];
}
