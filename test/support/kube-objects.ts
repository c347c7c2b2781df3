/**
 * Objects a cluster running the seed's SD2.1 service holds, built in the shapes the
 * API server returns: the seed's Ingress and ScaledObjects, a Deployment per unit,
 * pods (running, pending, unschedulable) and core/v1 Events as the Load Balancer
 * Controller and Karpenter record them.
 */
import type { KubeApiDouble } from "./kube-api-double.ts";
import { type KubeObject, seedObject, seedObjects } from "./seed-manifests.ts";

/** The five units of examples/sd21 (Deployment, ScaledObject and Service share the unit's name). */
export const SD21_UNITS = [
  "sd21-inf2",
  "sd21-trn1",
  "sd21-a10g-triton",
  "sd21-l4-triton",
  "sd21-a10g-cuda",
] as const;

export const SD21_ROUTING_FILES = {
  weighted: {
    ingress: "sd21-weighted-routing-ing.yaml",
    scaledObjects: "sd21-scaledobject-weighted-routing.yaml",
  },
  equal: { ingress: "sd21-equal-routing-ing.yaml", scaledObjects: "sd21-scaledobject-equal-routing.yaml" },
} as const;

export interface DeploymentOptions {
  readonly namespace?: string;
  readonly replicas?: number;
  /** Left out of status when 0, as the Deployment controller does. */
  readonly readyReplicas?: number;
}

export function deployment(name: string, options: DeploymentOptions = {}): KubeObject {
  const replicas = options.replicas ?? 1;
  const ready = options.readyReplicas ?? replicas;
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: options.namespace ?? "default", labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name, albapp: "sd21" } },
        spec: { containers: [{ name: "model", image: `public.ecr.aws/example/${name}:latest` }] },
      },
    },
    status: {
      replicas,
      ...(ready === 0 ? {} : { readyReplicas: ready, availableReplicas: ready }),
      updatedReplicas: replicas,
      observedGeneration: 1,
    },
  };
}

export interface PodOptions {
  readonly namespace?: string;
  /** The `app` label, i.e. the unit's Deployment selector. */
  readonly app: string;
  readonly phase?: "Pending" | "Running";
  /** RFC 3339: the pod is Pending with PodScheduled False/Unschedulable since then. */
  readonly unschedulableSince?: string;
}

export function pod(name: string, options: PodOptions): KubeObject {
  const phase = options.phase ?? (options.unschedulableSince === undefined ? "Running" : "Pending");
  const scheduled =
    options.unschedulableSince === undefined
      ? {
          type: "PodScheduled",
          status: "True",
          lastProbeTime: null,
          lastTransitionTime: "2026-11-14T20:00:00Z",
        }
      : {
          type: "PodScheduled",
          status: "False",
          lastProbeTime: null,
          lastTransitionTime: options.unschedulableSince,
          reason: "Unschedulable",
          message:
            "0/6 nodes are available: 6 Insufficient aws.amazon.com/neuron. preemption: 0/6 nodes are available: 6 No preemption victims found for incoming pod.",
        };
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: options.namespace ?? "default",
      labels: { app: options.app, albapp: "sd21", "pod-template-hash": "7d9c8b6f5" },
    },
    spec: { containers: [{ name: "model", image: `public.ecr.aws/example/${options.app}:latest` }] },
    status: { phase, conditions: [scheduled], qosClass: "Burstable" },
  };
}

export interface EventOptions {
  readonly namespace?: string;
  readonly involvedObject: {
    readonly apiVersion: string;
    readonly kind: string;
    readonly name: string;
    readonly namespace?: string;
  };
  readonly reason: string;
  readonly message: string;
  readonly type?: "Normal" | "Warning";
  readonly component: string;
  readonly firstTimestamp: string;
  readonly lastTimestamp?: string;
  readonly count?: number;
}

let eventSerial = 0;

/** A core/v1 Event as client-go's EventRecorder writes it (eventTime null, count and timestamps set). */
export function clusterEvent(options: EventOptions): KubeObject {
  eventSerial += 1;
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: {
      name: `${options.involvedObject.name}.${(0x18a0000000000000n + BigInt(eventSerial)).toString(16)}`,
      namespace: options.namespace ?? options.involvedObject.namespace ?? "default",
      creationTimestamp: options.firstTimestamp,
    },
    involvedObject: options.involvedObject,
    reason: options.reason,
    message: options.message,
    type: options.type ?? "Normal",
    source: { component: options.component },
    firstTimestamp: options.firstTimestamp,
    lastTimestamp: options.lastTimestamp ?? options.firstTimestamp,
    count: options.count ?? 1,
    eventTime: null,
    reportingComponent: "",
    reportingInstance: "",
  };
}

/** The Load Balancer Controller's event on an Ingress (pkg/k8s/events.go). */
export function ingressEvent(options: {
  readonly ingress: string;
  readonly namespace?: string;
  readonly reason: "SuccessfullyReconciled" | "FailedBuildModel" | "FailedDeployModel";
  readonly message?: string;
  readonly at: string;
  readonly lastAt?: string;
  readonly count?: number;
}): KubeObject {
  const namespace = options.namespace ?? "default";
  return clusterEvent({
    namespace,
    involvedObject: { apiVersion: "networking.k8s.io/v1", kind: "Ingress", name: options.ingress, namespace },
    reason: options.reason,
    message:
      options.message ?? (options.reason === "SuccessfullyReconciled" ? "Successfully reconciled" : ""),
    type: options.reason === "SuccessfullyReconciled" ? "Normal" : "Warning",
    component: "ingress",
    firstTimestamp: options.at,
    ...(options.lastAt === undefined ? {} : { lastTimestamp: options.lastAt }),
    ...(options.count === undefined ? {} : { count: options.count }),
  });
}

/**
 * EC2's insufficient-capacity text as Karpenter wraps it on a NodeClaim event:
 * `NodeClaim <name> event: creating instance, insufficient capacity, with fleet error(s), <code>: <EC2 message>`.
 */
export function insufficientCapacityMessage(nodeClaim: string, instanceType: string, zone: string): string {
  return (
    `NodeClaim ${nodeClaim} event: creating instance, insufficient capacity, with fleet error(s), ` +
    `InsufficientInstanceCapacity: We currently do not have sufficient ${instanceType} capacity in the ` +
    `Availability Zone you requested (${zone}). Our system will be working on provisioning additional capacity. ` +
    `You can currently get ${instanceType} capacity by not specifying an Availability Zone in your request or ` +
    "choosing us-west-2b, us-west-2c."
  );
}

/** Karpenter's InsufficientCapacityError on a cluster-scoped NodeClaim, which lands in "default". */
export function karpenterEvent(options: {
  readonly nodeClaim: string;
  readonly message: string;
  readonly at: string;
  readonly lastAt?: string;
  readonly count?: number;
}): KubeObject {
  return clusterEvent({
    namespace: "default",
    involvedObject: { apiVersion: "karpenter.sh/v1", kind: "NodeClaim", name: options.nodeClaim },
    reason: "InsufficientCapacityError",
    message: options.message,
    type: "Warning",
    component: "karpenter",
    firstTimestamp: options.at,
    ...(options.lastAt === undefined ? {} : { lastTimestamp: options.lastAt }),
    ...(options.count === undefined ? {} : { count: options.count }),
  });
}

export interface Sd21SeedOptions {
  /** Which of the seed's manifests the cluster holds now. */
  readonly routing?: keyof typeof SD21_ROUTING_FILES;
  readonly namespace?: string;
  /** Per unit name; units not named get 1 replica, 1 ready. */
  readonly deployments?: Partial<Record<(typeof SD21_UNITS)[number], DeploymentOptions | "missing">>;
}

/** The seed's Ingress `sd21`, its five ScaledObjects and a Deployment per unit. */
export function seedSd21(double: KubeApiDouble, options: Sd21SeedOptions = {}): void {
  const files = SD21_ROUTING_FILES[options.routing ?? "weighted"];
  const namespace = options.namespace ?? "default";
  const ingress = seedObject(files.ingress, "Ingress", "sd21");
  ingress.metadata.namespace = namespace;
  double.put(ingress);
  for (const object of seedObjects(files.scaledObjects)) {
    double.put({ ...structuredClone(object), metadata: { ...structuredClone(object.metadata), namespace } });
  }
  for (const unit of SD21_UNITS) {
    const wanted = options.deployments?.[unit];
    if (wanted !== "missing") {
      double.put(deployment(unit, { ...wanted, namespace }));
    }
  }
}
