import type {
  DeploymentUnit,
  EpochMs,
  IngressBackendRef,
  IngressState,
  ScaledObjectState,
} from "@switchyard/core";
import type { IngressMergePatch, JsonPatchOperation, ScaledObjectLike } from "@switchyard/core/manifests";
import { KEDA_PAUSED_REPLICAS, scalingTargetOf } from "@switchyard/core/manifests";
import { ConflictError, PatchRejectedError } from "../errors.ts";

/**
 * The service's Ingress: its annotations, the backends of its rules and its
 * resourceVersion, patched like the API server does.
 */
export class IngressObject {
  readonly namespace: string;
  readonly name: string;
  #version = 1;
  #annotations: Record<string, string>;
  #backends: IngressBackendRef[];
  /** When the annotations or rules last changed. */
  changedAt: EpochMs;

  constructor(
    namespace: string,
    name: string,
    annotations: Readonly<Record<string, string>>,
    backends: readonly IngressBackendRef[],
    at: EpochMs,
  ) {
    this.namespace = namespace;
    this.name = name;
    this.#annotations = { ...annotations };
    this.#backends = [...backends];
    this.changedAt = at;
  }

  read(): IngressState {
    return {
      namespace: this.namespace,
      name: this.name,
      resourceVersion: String(this.#version),
      annotations: { ...this.#annotations },
      backends: [...this.#backends],
    };
  }

  /** JSON merge patch of annotations (null removes a key), refused with 409 when resourceVersion moved. */
  mergePatch(patch: IngressMergePatch, at: EpochMs): IngressState {
    const expected = patch.metadata.resourceVersion;
    if (expected !== undefined && expected !== String(this.#version)) {
      throw new ConflictError(
        `Ingress ${this.namespace}/${this.name}: the object has been modified (resourceVersion ${expected} was read, ${this.#version} is current); read it again and retry`,
      );
    }
    const next = { ...this.#annotations };
    for (const [key, value] of Object.entries(patch.metadata.annotations)) {
      if (value === null) {
        delete next[key];
      } else {
        next[key] = value;
      }
    }
    // Rules appended (a JSON patch `add /spec/rules/-` in the cluster): their backends.
    const added = (patch.addRules ?? []).flatMap((rule) =>
      rule.http.paths.map((path) => ({
        service: path.backend.service.name,
        port: path.backend.service.port.name,
      })),
    );
    if (JSON.stringify(next) !== JSON.stringify(this.#annotations) || added.length > 0) {
      this.#annotations = next;
      this.#backends = [...this.#backends, ...added];
      this.#version += 1;
      this.changedAt = at;
    }
    return this.read();
  }

  annotation(key: string): string | undefined {
    return this.#annotations[key];
  }
}

interface TriggerShape {
  type?: string;
  name?: string;
  metadata?: Record<string, unknown>;
}

interface ScaledObjectDocument {
  metadata: { name: string; resourceVersion: string; annotations?: Record<string, string> };
  spec: { minReplicaCount: number; maxReplicaCount: number; triggers: TriggerShape[] };
}

/** A KEDA ScaledObject, patched with RFC 6902 test/add/replace/remove, and its annotations merged. */
export class ScaledObjectObject {
  readonly name: string;
  #version = 1;
  #object: ScaledObjectDocument;
  readonly #ref: DeploymentUnit["scaledObject"];

  /** One trigger, of the type (and name) the config says carries the per-pod target, and the unit's replica bounds. */
  constructor(
    ref: DeploymentUnit["scaledObject"],
    target: string,
    bounds: { readonly minReplicaCount: number; readonly maxReplicaCount: number },
  ) {
    this.name = ref.name;
    this.#ref = ref;
    const trigger: TriggerShape = {
      type: ref.triggerType,
      ...(ref.triggerName === undefined ? {} : { name: ref.triggerName }),
      metadata: { [ref.metadataKey]: target, metricUnit: "Count" },
    };
    this.#object = {
      metadata: { name: ref.name, resourceVersion: "1" },
      spec: {
        minReplicaCount: bounds.minReplicaCount,
        maxReplicaCount: bounds.maxReplicaCount,
        triggers: [trigger],
      },
    };
  }

  /** The object as a GET returns it: a copy, the same one until the object changes (callers only read it). */
  read(): ScaledObjectState {
    if (this.#read?.resourceVersion !== String(this.#version)) {
      const object = structuredClone(this.#object) as ScaledObjectLike;
      this.#read = { name: this.name, resourceVersion: String(this.#version), target: this.target(), object };
    }
    return this.#read;
  }

  #read: ScaledObjectState | undefined;

  /** The per-pod target KEDA scales on, as the string the ScaledObject holds. */
  target(): string | undefined {
    return scalingTargetOf(this.#object, this.#ref);
  }

  annotations(): Readonly<Record<string, string>> {
    return { ...(this.#object.metadata.annotations ?? {}) };
  }

  /** RFC 7386 on metadata.annotations: a null removes the key. */
  mergeAnnotations(patch: Readonly<Record<string, string | null>>): void {
    const next: Record<string, string> = { ...(this.#object.metadata.annotations ?? {}) };
    for (const [key, value] of Object.entries(patch)) {
      if (value === null) {
        delete next[key];
      } else {
        next[key] = value;
      }
    }
    this.#version += 1;
    this.#object = {
      ...this.#object,
      metadata: { ...this.#object.metadata, annotations: next, resourceVersion: String(this.#version) },
    };
  }

  /** spec.minReplicaCount: the HPA's minReplicas (KEDA copies it, controllers/keda/hpa.go). */
  minReplicaCount(): number {
    return this.#object.spec.minReplicaCount;
  }

  /** KEDA's `autoscaling.keda.sh/paused-replicas`: the count the workload is held at, if paused. */
  pausedReplicas(): number | null {
    const value = this.#object.metadata.annotations?.[KEDA_PAUSED_REPLICAS];
    const count = value === undefined ? Number.NaN : Number(value);
    return Number.isInteger(count) && count >= 0 ? count : null;
  }

  /** Applies the ops all or nothing, as the API server does. */
  jsonPatch(ops: readonly JsonPatchOperation[]): void {
    const draft = structuredClone(this.#object) as unknown;
    for (const op of ops) {
      const path = op.path
        .split("/")
        .slice(1)
        .map((s) => s.replaceAll("~1", "/").replaceAll("~0", "~"));
      const parent = path
        .slice(0, -1)
        .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], draft);
      const key = path[path.length - 1] as string;
      if (parent === null || typeof parent !== "object") {
        throw this.#refused(`path ${op.path} does not exist`);
      }
      const holder = parent as Record<string, unknown>;
      if (op.op === "test") {
        if (JSON.stringify(holder[key]) !== JSON.stringify(op.value)) {
          throw this.#refused(`test of ${op.path} failed`);
        }
      } else if ((op.op === "replace" || op.op === "remove") && !(key in holder)) {
        throw this.#refused(`${op.op} of missing ${op.path}`);
      } else if (op.op === "remove") {
        delete holder[key];
      } else {
        holder[key] = op.value;
      }
    }
    this.#version += 1;
    const next = draft as ScaledObjectDocument;
    this.#object = { ...next, metadata: { ...next.metadata, resourceVersion: String(this.#version) } };
  }

  #refused(reason: string): PatchRejectedError {
    return new PatchRejectedError(`ScaledObject ${this.name}: the JSON patch was refused: ${reason}`);
  }
}
