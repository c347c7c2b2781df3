import type { ScaledObjectLike } from "../manifests/scaledobject-patch.ts";
import type { EpochMs } from "../signals/types.ts";

/** The Ingress as Switchyard needs it: its version and annotations (all of them, none written but ours). */
export interface IngressState {
  readonly namespace: string;
  readonly name: string;
  readonly resourceVersion: string;
  readonly annotations: Readonly<Record<string, string>>;
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
