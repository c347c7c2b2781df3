import { KEDA_PAUSED_REPLICAS, kedaHpaName } from "@switchyard/core/manifests";
import type { AdmissionWebhook, KubeApiDouble } from "./kube-api-double.ts";
import type { KubeObject } from "./seed-manifests.ts";

/**
 * How the stand-in misbehaves, after KEDA's own issues:
 * - `not-scaled`: pauses but does not scale the target to paused-replicas (#7231, fixed in 2.18.2);
 * - `stuck-paused`: the annotation goes but Paused stays True and the HPA is not made again
 *   (#6982, fixed in 2.18.0, still reported on 2.19).
 */
export type KedaFault = "none" | "not-scaled" | "stuck-paused";

interface ScaledObjectShape {
  readonly spec?: {
    readonly scaleTargetRef?: { readonly name?: string };
    readonly minReplicaCount?: number;
    readonly maxReplicaCount?: number;
  };
  readonly status?: { readonly conditions?: readonly { readonly type?: string; readonly status?: string }[] };
}

function pausedCondition(object: KubeObject): string | undefined {
  return (object as ScaledObjectShape).status?.conditions?.find((c) => c.type === "Paused")?.status;
}

/** How KEDA shapes the HPA of a paused ScaledObject. */
export interface HpaShape {
  /** 2.18/2.19 with paused-replicas: min = max = the count, 0 made 1 (hpa.go "MinReplicas on HPA can't be 0"). */
  readonly pausedCount?: number;
  /** paused-scale-in: behavior.scaleDown.selectPolicy Disabled. */
  readonly scaleInDisabled?: boolean;
  /** paused-scale-out: behavior.scaleUp.selectPolicy Disabled. */
  readonly scaleOutDisabled?: boolean;
}

/**
 * The HPA KEDA keeps for a ScaledObject (kedacore/keda v2.19.0/v2.20.2 controllers/keda/hpa.go
 * newHPAForScaledObject, reduced): min and max replicas from the ScaledObject, or both the
 * paused count; the direction a `paused-scale-in`/`-out` blocks has selectPolicy Disabled.
 */
export function kedaHpa(scaledObject: KubeObject, shape: HpaShape = {}): KubeObject {
  const name = scaledObject.metadata.name;
  const spec = (scaledObject as ScaledObjectShape).spec;
  const min =
    shape.pausedCount === undefined
      ? Math.max(spec?.minReplicaCount ?? 1, 1)
      : Math.max(shape.pausedCount, 1);
  const max = shape.pausedCount === undefined ? (spec?.maxReplicaCount ?? 100) : min;
  const disabled = { selectPolicy: "Disabled" };
  const behavior =
    shape.scaleInDisabled === true || shape.scaleOutDisabled === true
      ? {
          behavior: {
            ...(shape.scaleInDisabled === true ? { scaleDown: disabled } : {}),
            ...(shape.scaleOutDisabled === true ? { scaleUp: disabled } : {}),
          },
        }
      : {};
  return {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: {
      name: kedaHpaName(scaledObject as never, name),
      namespace: scaledObject.metadata.namespace ?? "default",
      labels: { "app.kubernetes.io/managed-by": "keda-operator", "scaledobject.keda.sh/name": name },
      // KEDA owns its HPA (controllers/keda/hpa.go: controllerutil.SetControllerReference),
      // which is how its admission webhook tells it from a foreign one.
      ownerReferences: [
        {
          apiVersion: "keda.sh/v1alpha1",
          kind: "ScaledObject",
          name,
          uid: scaledObject.metadata.uid ?? "",
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: spec?.scaleTargetRef?.name ?? name },
      minReplicas: min,
      maxReplicas: max,
      ...behavior,
      metrics: [
        {
          type: "External",
          external: {
            metric: {
              name: "s0-aws-cloudwatch",
              selector: { matchLabels: { "scaledobject.keda.sh/name": name } },
            },
            target: { type: "AverageValue", averageValue: "1" },
          },
        },
      ],
    },
  };
}

/**
 * KEDA's validating webhook `vscaledobject.kb.io` on ScaledObject updates (kedacore/keda
 * v2.20.2 apis/keda/v1alpha1/scaledobject_webhook.go `ValidateUpdate` → `validateWorkload`;
 * config/webhooks/validation_webhooks.yaml names it), reduced to the two checks a
 * Switchyard patch can run into: `verifyHpas` (an HPA on the same workload that the
 * ScaledObject does not own, unless it is annotated `validations.keda.sh/hpa-ownership:
 * "false"`) and `verifyReplicaCount` (`CheckReplicaCountBoundsAreValid` in
 * scaledobject_types.go). Each denial is KEDA's own message.
 */
export function kedaAdmissionWebhook(double: KubeApiDouble): AdmissionWebhook {
  return {
    name: "vscaledobject.kb.io",
    kind: "ScaledObject",
    validate(object) {
      const spec = (object as ScaledObjectShape).spec;
      const namespace = object.metadata.namespace ?? "default";
      const workload = spec?.scaleTargetRef?.name ?? "";
      for (const hpa of double.all("HorizontalPodAutoscaler", namespace)) {
        const hpaSpec = (hpa.spec ?? {}) as { scaleTargetRef?: { kind?: string; name?: string } };
        const owners = (hpa.metadata.ownerReferences ?? []) as { kind?: string; name?: string }[];
        const annotations = (hpa.metadata.annotations ?? {}) as Record<string, string>;
        if (
          annotations["validations.keda.sh/hpa-ownership"] !== "false" &&
          (hpaSpec.scaleTargetRef?.kind ?? "Deployment") === "Deployment" &&
          hpaSpec.scaleTargetRef?.name === workload &&
          !owners.some((o) => o.kind === "ScaledObject" && o.name === object.metadata.name)
        ) {
          return `the workload '${workload}' of type 'apps/v1.Deployment' is already managed by the hpa '${hpa.metadata.name}'`;
        }
      }
      const min = spec?.minReplicaCount ?? 0;
      const max = spec?.maxReplicaCount ?? 100;
      // GetHPAMinReplicas: a minReplicaCount of 0 counts as 1.
      const hpaMin = Math.max(min, 1);
      if (spec?.minReplicaCount !== undefined && hpaMin > max) {
        return `MinReplicaCount=${hpaMin} must be less than MaxReplicaCount=${max}`;
      }
      return undefined;
    },
  };
}

/**
 * KEDA's releases differ in what a paused-replicas pause does to the HPA (kedacore/keda
 * controllers/keda/scaledobject_controller.go `reconcileScaledObject`):
 * - 2.18/2.19 (v2.19.0 l.241-293): the first reconcile sets Paused, stops the scale loop
 *   and deletes the HPA; while the target's replicas differ from the count, the next
 *   falls through and makes the HPA again with min = max = the count (0 made 1,
 *   hpa.go l.165-176), and the executor scales the target to it. A target already at
 *   the count keeps no HPA.
 * - 2.20 (v2.20.2 `handlePause`, l.343-420): the HPA is deleted and the target scaled to
 *   the count through its scale subresource (`scaleTargetToPausedCount`, 0 allowed).
 * Both: `paused` alone deletes the HPA and freezes the target; `paused-scale-in`/`-out`
 * set Paused=True but keep the HPA with that direction's selectPolicy Disabled (hpa.go
 * l.86-130); removing every pause sets Paused=False ("ScaledObjectUnpaused") and makes
 * the HPA again, or updates it back to min..max.
 */
export type KedaVersion = "2.18" | "2.19" | "2.20";

/** strconv.ParseBool's false values; KEDA's getBoolAnnotation takes anything unparsable as true. */
const GO_FALSE = new Set(["0", "f", "F", "FALSE", "false", "False"]);

function boolAnnotation(object: KubeObject, key: string): boolean {
  const value = object.metadata.annotations?.[key];
  return value !== undefined && !GO_FALSE.has(value);
}

/**
 * A stand-in for KEDA's operator as it reacts to a ScaledObject write, per `version` (see
 * `KedaVersion`): the pause annotations `paused-replicas`, `paused`, `paused-scale-in` and
 * `paused-scale-out` (scaledobject_types.go `NeedToBePausedByAnnotation`,
 * `NeedToPauseScaleIn`/`Out`), the Paused condition, the HPA, and the target's replicas.
 * `adopt` brings the double's ScaledObjects to the state a running KEDA (≥ 2.18, which
 * sets Paused False on new objects, #7011) leaves them in, and installs KEDA's webhook.
 */
export class KedaOperatorStandIn {
  fault: KedaFault = "none";
  version: KedaVersion = "2.20";
  readonly #double: KubeApiDouble;

  constructor(double: KubeApiDouble) {
    this.#double = double;
  }

  /** Reconciles every ScaledObject now, then each one a request writes; KEDA's webhook admits each write. */
  adopt(namespaces: readonly string[]): void {
    this.#double.admit(kedaAdmissionWebhook(this.#double));
    for (const namespace of namespaces) {
      for (const object of this.#double.all("ScaledObject", namespace)) {
        this.reconcile(object);
      }
    }
    this.#double.watch((object) => {
      if (object.kind === "ScaledObject") {
        this.reconcile(object);
      }
    });
  }

  reconcile(object: KubeObject): void {
    const namespace = object.metadata.namespace ?? "default";
    const name = object.metadata.name;
    const pausedReplicas = object.metadata.annotations?.[KEDA_PAUSED_REPLICAS];
    const needsToPause = pausedReplicas !== undefined || boolAnnotation(object, "autoscaling.keda.sh/paused");
    const scaleIn = boolAnnotation(object, "autoscaling.keda.sh/paused-scale-in");
    const scaleOut = boolAnnotation(object, "autoscaling.keda.sh/paused-scale-out");
    const hpaName = kedaHpa(object).metadata.name;
    const current = pausedCondition(object);
    const target = (object as ScaledObjectShape).spec?.scaleTargetRef?.name ?? name;
    if (needsToPause) {
      if (current !== "True") {
        this.#setPaused(namespace, name, "True", "ScaledObjectPaused", "ScaledObject is paused");
      }
      this.#double.remove("HorizontalPodAutoscaler", namespace, hpaName);
      if (pausedReplicas === undefined) {
        return;
      }
      const count = Number(pausedReplicas);
      const replicas = (
        this.#double.get("Deployment", namespace, target)?.spec as { replicas?: number } | undefined
      )?.replicas;
      if (this.version !== "2.20" && replicas !== undefined && replicas !== count) {
        this.#double.put(kedaHpa(object, { pausedCount: count }));
      }
      if (this.fault !== "not-scaled" && replicas !== undefined) {
        this.#double.edit("Deployment", namespace, target, (deployment) => {
          (deployment.spec as { replicas: number }).replicas = count;
        });
      }
      return;
    }
    if (scaleIn || scaleOut) {
      if (current !== "True") {
        this.#setPaused(namespace, name, "True", "ScaledObjectPaused", "ScaledObject is paused");
      }
      this.#double.put(kedaHpa(object, { scaleInDisabled: scaleIn, scaleOutDisabled: scaleOut }));
      return;
    }
    if (current === "True" && this.fault === "stuck-paused") {
      return;
    }
    if (current !== "False") {
      this.#setPaused(
        namespace,
        name,
        "False",
        "ScaledObjectUnpaused",
        "pause annotation removed for ScaledObject",
      );
    }
    // Made again, or updated back from a paused shape (updateHPAIfNeeded).
    this.#double.put(kedaHpa(object));
  }

  #setPaused(namespace: string, name: string, status: string, reason: string, message: string): void {
    this.#double.edit("ScaledObject", namespace, name, (object) => {
      const shaped = object as { status?: { conditions?: Record<string, string>[] } };
      const conditions = (shaped.status?.conditions ?? []).filter((c) => c.type !== "Paused");
      conditions.push({ type: "Paused", status, reason, message });
      shaped.status = { ...(shaped.status ?? {}), conditions };
    });
  }
}
