import {
  type DemandHistory,
  type EpochMs,
  historyPeriodSeconds,
  historySeriesCount,
  historyWindow,
  type InferenceService,
  type ScaledObjectState,
  type UnitFloorWrite,
} from "@switchyard/core";
import { replicaFloorPatch } from "@switchyard/core/manifests";
import type {
  ClusterGateway,
  DemandHistoryReader,
  ReplicaFloorChange,
  ServiceTargets,
} from "@switchyard/core/ports";
import type { ControllerLogger } from "./logger.ts";

/**
 * The services whose forecast reads history: every one whose forecast is not off. One
 * GetMetricData call reads them all, at the finest period whose datapoints fit one page
 * (`historyPeriodSeconds`): 300 s for the SD2.1 service, 60 s for a two-unit one.
 */
export async function readDemandHistories(
  services: readonly { readonly service: InferenceService; readonly targets: ServiceTargets }[],
  reader: DemandHistoryReader | undefined,
  now: EpochMs,
  lagMs: number,
): Promise<Readonly<Record<string, DemandHistory>>> {
  const forecasting = services.filter(({ service }) => service.forecast.mode !== "off");
  if (reader === undefined || forecasting.length === 0) {
    return {};
  }
  const days = Math.max(...forecasting.map(({ service }) => service.forecast.historyDays));
  const series = forecasting.reduce((sum, { service }) => sum + historySeriesCount(service), 0);
  const periodSeconds = historyPeriodSeconds(series, days);
  const window = historyWindow(now, days, periodSeconds, lagMs);
  return reader.read({
    services: forecasting.map(({ targets }) => targets),
    start: window.start,
    end: window.end,
    periodSeconds,
  });
}

/**
 * Writes each unit's floor (raise or restore its ScaledObject's minReplicaCount: the
 * forecast's and a lifted hold's, composed by core's `floorWrites`): the ScaledObjects as
 * the evaluation read them (one LIST) say which units' floors are already right, and only
 * the others are written (each a guarded read and patch). Returns what changed.
 */
export async function applyReplicaFloors(
  service: InferenceService,
  writes: readonly UnitFloorWrite[],
  read: Readonly<Record<string, ScaledObjectState>> | null,
  cluster: ClusterGateway,
  log: ControllerLogger,
): Promise<ReplicaFloorChange[]> {
  const changes: ReplicaFloorChange[] = [];
  if (writes.length === 0) {
    return changes;
  }
  const scaledObjects = read ?? (await cluster.readScaledObjects(service));
  for (const write of writes) {
    const object = scaledObjects[write.unit]?.object;
    if (object === undefined || replicaFloorPatch(object, write.action).ops.length === 0) {
      continue;
    }
    const change = await cluster.setReplicaFloor(service, write.unit, write.action);
    if (change.outcome !== "unchanged") {
      log.info("replica floor", { service: service.name, ...change, why: write.why });
      changes.push(change);
    }
  }
  return changes;
}
