/** An event's signals count only from the cluster's Region and, for a Spot warning, from its own node. */
import {
  type CapacitySignal,
  instanceClusterOf,
  isInstanceId,
  type LaunchBlock,
  type SwitchyardConfig,
  spotInterruptionSignal,
} from "@switchyard/core";
import type { EvaluationCause, EvaluationDeps } from "./evaluate.ts";
import type { ControllerLogger } from "./logger.ts";

interface ScopedCause {
  readonly triggerSignals: readonly CapacitySignal[];
  readonly launchBlocks: readonly LaunchBlock[];
  readonly ignored: readonly string[];
}

/**
 * The event's signals that concern this cluster: none from another Region (a bus can
 * receive other Regions' events), and a Spot warning only for an instance tagged as this
 * cluster's node (an account can run several clusters on the same instance types).
 */
export async function scopedToCluster(
  config: SwitchyardConfig,
  cause: EvaluationCause,
  deps: EvaluationDeps,
  log: ControllerLogger,
): Promise<ScopedCause> {
  const region = cause.region ?? null;
  if (region !== null && region !== config.cluster.region) {
    const why = `the ${cause.trigger} event is from ${region}; cluster ${config.cluster.name} is in ${config.cluster.region}, so its signals do not count`;
    log.info("event from another region ignored", { region, clusterRegion: config.cluster.region });
    return { triggerSignals: [], launchBlocks: [], ignored: [why] };
  }
  const spot = await spotSignals(config.cluster.name, cause, deps, log);
  return {
    triggerSignals: [...cause.capacitySignals, ...spot.signals],
    launchBlocks: cause.launchBlocks ?? [],
    ignored: spot.ignored,
  };
}

async function spotSignals(
  clusterName: string,
  cause: EvaluationCause,
  deps: EvaluationDeps,
  log: ControllerLogger,
): Promise<{ signals: CapacitySignal[]; ignored: string[] }> {
  const spot = cause.spotInterruption;
  if (spot === undefined) {
    return { signals: [], ignored: [] };
  }
  if (!isInstanceId(spot.instanceId)) {
    // Nothing to look up: EC2 would refuse the call (InvalidInstanceID.Malformed), and one
    // bad event must not stop the evaluation of every service.
    log.warn("spot interruption with a malformed instance id ignored", { instanceId: spot.instanceId });
    return {
      signals: [],
      ignored: [
        `Spot interruption for ${JSON.stringify(spot.instanceId)}: not an EC2 instance id (i- and 8 or 17 hexadecimal digits), so no instance to count`,
      ],
    };
  }
  const instance = await deps.instanceTypes.instanceOf(spot.instanceId);
  if (instance === null) {
    log.warn("spot interruption for an unknown instance", { instanceId: spot.instanceId });
    return {
      signals: [],
      ignored: [`Spot interruption for ${spot.instanceId}: EC2 does not know the instance`],
    };
  }
  const cluster = instanceClusterOf(instance.tags, clusterName);
  if (cluster.kind !== "this") {
    const whose =
      cluster.kind === "other"
        ? `a node of ${cluster.clusters.join(", ")}`
        : "not tagged as any cluster's node (no kubernetes.io/cluster/<name>, eks:cluster-name or eks:eks-cluster-name tag)";
    log.info("spot interruption for another cluster's instance ignored", {
      instanceId: spot.instanceId,
      instanceType: instance.instanceType,
      cluster,
    });
    return {
      signals: [],
      ignored: [
        `Spot interruption for ${spot.instanceId} (${instance.instanceType}): ${whose}, not of ${clusterName}`,
      ],
    };
  }
  return {
    signals: [spotInterruptionSignal(spot, instance.instanceType, instance.availabilityZone ?? null)],
    ignored: [],
  };
}
