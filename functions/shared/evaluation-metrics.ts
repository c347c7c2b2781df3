import { type Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { EvaluationReport } from "@switchyard/controller";
import { forecastAt } from "@switchyard/core";
import {
  SWITCHYARD_METRIC_DIMENSIONS as DIMENSION,
  SWITCHYARD_METRICS as METRIC,
} from "@switchyard/core/deploy";

/**
 * Per-service metrics of one evaluation, written as CloudWatch embedded metric format
 * (EMF) log lines: the dashboard's mode, weight, demand and capacity widgets read them.
 * Every metric carries the cluster's name (`Cluster`): another cluster's stack in the same
 * account and Region writes the same namespace, with services of the same names.
 */
export function publishEvaluationMetrics(metrics: Metrics, report: EvaluationReport, cluster: string): void {
  const single = (dimensions: Readonly<Record<string, string>>) => {
    const metric = metrics.singleMetric();
    metric.addDimensions({ [DIMENSION.cluster]: cluster, ...dimensions });
    return metric;
  };
  const blocked = report.launchBlocks.reduce((sum, block) => sum + block.count, 0);
  if (blocked > 0) {
    // Powertools' `service` dimension and the cluster: one series the LaunchBlocked alarm
    // watches (infra/signal-alarms.ts); the log line "launch blocked" names code, type and fix.
    single({}).addMetric(METRIC.launchBlocked, MetricUnit.Count, blocked);
  }
  if (report.trail?.kind === "missing") {
    single({}).addMetric(METRIC.trailMissing, MetricUnit.Count, 1);
  }
  for (const evaluation of report.services) {
    const { decision } = evaluation;
    // A single metric is flushed, dimensions and all, by its addMetric: one per datum, or
    // every metric after the first would lose its Service dimension.
    const perService = (name: string, unit: Parameters<Metrics["addMetric"]>[1], value: number): void => {
      single({ [DIMENSION.service]: evaluation.service }).addMetric(name, unit, value);
    };
    perService(METRIC.capacityMode, MetricUnit.Count, decision.mode === "capacity" ? 1 : 0);
    perService(METRIC.demandRps, MetricUnit.CountPerSecond, decision.demandRps);
    perService(
      METRIC.unitsWithoutCapacity,
      MetricUnit.Count,
      Object.values(decision.conditions).filter((c) => c.unavailable === "no-capacity").length,
    );
    for (const [unit, weight] of Object.entries(evaluation.weights ?? {})) {
      single({ [DIMENSION.service]: evaluation.service, [DIMENSION.unit]: unit }).addMetric(
        METRIC.weight,
        MetricUnit.Count,
        weight,
      );
    }
    const floors = evaluation.floors;
    if (floors !== null) {
      // The forecast for the moment a pod started now would be ready, stamped with that
      // moment (EMF takes timestamps up to 2 h ahead): on the dashboard it meets the demand it forecast.
      const forecastFor = report.at + floors.leadMs;
      const forecast = forecastAt(floors.forecast, forecastFor);
      if (forecast !== null) {
        const metric = single({ [DIMENSION.service]: evaluation.service });
        metric.setTimestamp(forecastFor);
        metric.addMetric(METRIC.forecastRps, MetricUnit.CountPerSecond, forecast);
      }
      for (const floor of floors.units) {
        single({ [DIMENSION.service]: evaluation.service, [DIMENSION.unit]: floor.unit }).addMetric(
          METRIC.replicaFloor,
          MetricUnit.Count,
          floor.action.kind === "raise" ? floor.action.pods : 0,
        );
      }
    }
    if (evaluation.execution?.started === true) {
      single({ [DIMENSION.service]: evaluation.service, [DIMENSION.move]: decision.kind }).addMetric(
        METRIC.switches,
        MetricUnit.Count,
        1,
      );
    }
  }
}
