import type { IngressState, SwitchyardConfig, UnitWorkload } from "@switchyard/core";
import type { MetricsSnapshot } from "@switchyard/core/ports";
import { minutes, T0, UNITS } from "./decision-fixtures.ts";
import {
  CannedMetrics,
  FixedInstanceTypes,
  FixedLocator,
  FixedTargetHealth,
  InMemoryCluster,
  ManualClock,
  RecordingRecorder,
  RecordingSwitchStarter,
} from "./fake-ports.ts";
import { sd21Config } from "./sd21.ts";
import { seedObject, seedObjects } from "./seed-manifests.ts";

export const ACTION_KEY = "alb.ingress.kubernetes.io/actions.weighted-routing";

/** The seed's weighted Ingress, as Switchyard would have left it in cost mode. */
export function seedCostIngress(): IngressState {
  const annotations =
    seedObject("sd21-weighted-routing-ing.yaml", "Ingress", "sd21").metadata.annotations ?? {};
  return {
    namespace: "default",
    name: "sd21",
    resourceVersion: "100",
    annotations: {
      ...annotations,
      "switchyard.io/mode": "cost",
      "switchyard.io/last-transition": "2026-11-14T18:00:00Z",
    },
  };
}

/** The seed's weighted ScaledObjects' targets, by unit. */
export function seedCostTargets(): Record<string, string | undefined> {
  return Object.fromEntries(
    seedObjects("sd21-scaledobject-weighted-routing.yaml").map((o) => [
      o.metadata.name,
      (o.spec as { triggers: { metadata: Record<string, string> }[] }).triggers[0]?.metadata
        .targetMetricValue,
    ]),
  );
}

export function healthyWorkloads(): Record<string, UnitWorkload> {
  return Object.fromEntries(
    UNITS.map((u) => [
      u,
      { desiredReplicas: 2, readyReplicas: 2, deploymentFound: true, unschedulablePods: [] },
    ]),
  );
}

/**
 * Every unit at `rps` (default 40) and 600 ms for half an hour before T0. At 80 RPS a
 * unit (400 RPS in all) the seed's hand weights make KEDA run inf2 and a10g-cuda pods above
 * the minReplicaCount floor that the cost-optimal weights do not need: a calm rebalance.
 */
export function calmSnapshot(rps = 40): MetricsSnapshot {
  return {
    services: {
      sd21: {
        units: Object.fromEntries(UNITS.map((u) => [u, minutes(30, () => ({ rps }))])),
        consolidated: null,
        elb5xx: [],
      },
    },
    capacityErrors: [],
  };
}

export interface Harness {
  readonly config: SwitchyardConfig;
  readonly clock: ManualClock;
  readonly cluster: InMemoryCluster;
  readonly metrics: CannedMetrics;
  readonly recorder: RecordingRecorder;
  readonly switches: RecordingSwitchStarter;
  readonly instanceTypes: FixedInstanceTypes;
  readonly locator: FixedLocator;
  readonly targetHealth: FixedTargetHealth;
}

/** `unit` has lost its pods: one is wanted, none is ready, none is waiting to be scheduled. */
export function losePods(h: Harness, unit: string): void {
  h.cluster.units[unit] = {
    desiredReplicas: 1,
    readyReplicas: 0,
    deploymentFound: true,
    unschedulablePods: [],
  };
}

/** The controller's ports over in-memory doubles; `config` defaults to the bundled example. */
export function harness(config: SwitchyardConfig = sd21Config()): Harness {
  return {
    config,
    clock: new ManualClock(T0),
    cluster: new InMemoryCluster({
      ingress: seedCostIngress(),
      units: healthyWorkloads(),
      targets: seedCostTargets(),
    }),
    metrics: new CannedMetrics(calmSnapshot()),
    recorder: new RecordingRecorder(),
    switches: new RecordingSwitchStarter(),
    instanceTypes: new FixedInstanceTypes({ "i-0b22a22eec53b9321": "inf2.xlarge" }),
    locator: new FixedLocator(),
    targetHealth: new FixedTargetHealth(),
  };
}
