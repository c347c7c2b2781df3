import type { ScaledObjectLike } from "../manifests/scaledobject-patch.ts";
import type { EpochMs } from "../signals/types.ts";

/**
 * A backend an Ingress rule (or its default backend) names: a Service and its port, by
 * number or by name; `use-annotation` as the port name points at the action annotation
 * `actions.<service>` (the AWS Load Balancer Controller's convention).
 */
export interface IngressBackendRef {
  readonly service: string;
  readonly port: number | string;
}

/** The Ingress as Switchyard needs it: its version and annotations (all of them, none written but ours). */
export interface IngressState {
  readonly namespace: string;
  readonly name: string;
  readonly resourceVersion: string;
  readonly annotations: Readonly<Record<string, string>>;
  /**
   * Every backend of spec.rules[].http.paths[] and spec.defaultBackend, in order. The
   * gateways always read it; a state made by hand without it reads as naming none.
   */
  readonly backends?: readonly IngressBackendRef[];
}

/** One unit's workload as the cluster reports it. */
export interface UnitWorkload {
  /** Deployment spec.replicas (what KEDA/HPA asks for); 0 when the Deployment is missing. */
  readonly desiredReplicas: number;
  /** Deployment status.readyReplicas. */
  readonly readyReplicas: number;
  readonly deploymentFound: boolean;
  /** Pods of this unit whose PodScheduled condition is False with reason Unschedulable, and since when. */
  readonly unschedulablePods: readonly { readonly name: string; readonly since: EpochMs }[];
}

/** What one read of the cluster says about a service. */
export interface ServiceClusterState {
  readonly ingress: IngressState;
  /** Per unit name. */
  readonly units: Readonly<Record<string, UnitWorkload>>;
}

/** A ScaledObject as read, with the value at the unit's trigger key. */
export interface ScaledObjectState {
  readonly name: string;
  readonly resourceVersion: string;
  /** The trigger's per-pod target, or undefined when the key is absent. */
  readonly target: string | undefined;
  readonly object: ScaledObjectLike;
}

/** A Kubernetes Event, reduced to what decisions and verification read. */
export interface ClusterEvent {
  readonly reason: string;
  readonly message: string;
  readonly type: string;
  readonly involvedObject: { readonly kind: string; readonly name: string; readonly namespace?: string };
  /** lastTimestamp, eventTime or firstTimestamp, whichever is newest. */
  readonly at: EpochMs;
  readonly count: number;
}

/**
 * Whether KEDA autoscales a unit again after a replica hold: what KEDA reports on the
 * ScaledObject (its Paused condition) and whether the HPA it deletes while paused exists.
 */
export interface AutoscalingState {
  readonly unit: string;
  readonly scaledObject: string;
  /** `autoscaling.keda.sh/paused-replicas` as found, or null. */
  readonly pausedReplicas: string | null;
  /**
   * KEDA pauses someone other than Switchyard set (`foreignPauses`), as `key=value`: an
   * operator's `paused`, `paused-scale-in`, `paused-scale-out` or `paused-replicas`.
   */
  readonly pausedBy: readonly string[];
  /** The status of the ScaledObject's `Paused` condition ("True", "False", "Unknown"), or null when there is none. */
  readonly pausedCondition: string | null;
  /** `keda-hpa-<name>`, or spec.advanced.horizontalPodAutoscalerConfig.name. */
  readonly hpaName: string;
  readonly hpaFound: boolean;
}

/**
 * What keeps KEDA from autoscaling a unit whose hold was lifted: KEDA deletes the HPA
 * and sets Paused=True while paused-replicas is set, and on its removal sets Paused=False
 * ("ScaledObjectUnpaused") and makes the HPA again (controllers/keda/scaledobject_controller.go).
 * KEDA issues #6982 and #7231 show both can stay behind. Empty when KEDA has resumed, and
 * when someone else paused the ScaledObject (`pausedBy`): KEDA is then right to stay
 * paused (any of its pauses sets Paused=True; `paused` and `paused-replicas` delete the
 * HPA), and lifting that pause is theirs.
 */
export function notResumed(state: AutoscalingState): string[] {
  if (state.pausedBy.length > 0) {
    return [];
  }
  const problems: string[] = [];
  if (state.pausedReplicas !== null) {
    problems.push(`autoscaling.keda.sh/paused-replicas is still ${state.pausedReplicas}`);
  }
  if (state.pausedCondition !== "False") {
    problems.push(`its Paused condition is ${state.pausedCondition ?? "missing"}, not False`);
  }
  if (!state.hpaFound) {
    problems.push(`HorizontalPodAutoscaler ${state.hpaName} does not exist`);
  }
  return problems;
}
