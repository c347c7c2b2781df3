import { KEDA_PAUSED_REPLICAS, kedaHpaName } from "@switchyard/core";
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

/** The HPA KEDA keeps for a ScaledObject (controllers/keda/hpa.go newHPAForScaledObject, reduced). */
export function kedaHpa(scaledObject: KubeObject): KubeObject {
  const name = scaledObject.metadata.name;
  const spec = (scaledObject as ScaledObjectShape).spec;
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
      minReplicas: 1,
      maxReplicas: spec?.maxReplicaCount ?? 100,
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
 * A stand-in for KEDA's operator (controllers/keda/scaledobject_controller.go,
 * reconcileScaledObject/handlePause) as it reacts to a ScaledObject write: while
 * `autoscaling.keda.sh/paused-replicas` is set, the Paused condition is True
 * (ScaledObjectPaused), the HPA is deleted and the target is scaled to the count; once it
 * is removed, Paused turns False (ScaledObjectUnpaused) and the HPA is made again.
 * `adopt` brings the double's ScaledObjects to the state a running KEDA (≥ 2.18, which
 * sets Paused False on new objects, #7011) leaves them in.
 */
export class KedaOperatorStandIn {
  fault: KedaFault = "none";
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
    const paused = object.metadata.annotations?.[KEDA_PAUSED_REPLICAS];
    const hpa = kedaHpa(object);
    const current = pausedCondition(object);
    if (paused !== undefined) {
      if (current !== "True") {
        this.#setPaused(namespace, name, "True", "ScaledObjectPaused", "ScaledObject is paused");
      }
      this.#double.remove("HorizontalPodAutoscaler", namespace, hpa.metadata.name);
      const target = (object as ScaledObjectShape).spec?.scaleTargetRef?.name ?? name;
      if (this.fault !== "not-scaled" && this.#double.get("Deployment", namespace, target) !== undefined) {
        this.#double.edit("Deployment", namespace, target, (deployment) => {
          (deployment.spec as { replicas: number }).replicas = Number(paused);
        });
      }
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
    if (this.#double.get("HorizontalPodAutoscaler", namespace, hpa.metadata.name) === undefined) {
      this.#double.put(hpa);
    }
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
