import { type Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { EvaluationReport } from "@switchyard/controller";

/** Launches EC2 refused for a quota, subnet or offering reason, per evaluation (alarmed, never failed over). */
export const LAUNCH_BLOCKED_METRIC = "LaunchBlocked";
/** 1 on each evaluation that finds no CloudTrail trail delivering the capacity rules' events (alarmed). */
export const TRAIL_MISSING_METRIC = "CapacityTrailMissing";

/**
 * Per-service metrics of one evaluation, written as CloudWatch embedded metric format
 * (EMF) log lines: the dashboard's mode, weight, demand and capacity widgets read them.
 */
export function publishEvaluationMetrics(metrics: Metrics, report: EvaluationReport): void {
  const blocked = report.launchBlocks.reduce((sum, block) => sum + block.count, 0);
  if (blocked > 0) {
    // Only Powertools' `service` dimension: one series the LaunchBlocked alarm watches
    // (infra/signal-alarms.ts); the log line "launch blocked" names code, type and fix.
    metrics.singleMetric().addMetric(LAUNCH_BLOCKED_METRIC, MetricUnit.Count, blocked);
  }
  if (report.trail?.kind === "missing") {
    metrics.singleMetric().addMetric(TRAIL_MISSING_METRIC, MetricUnit.Count, 1);
  }
  for (const evaluation of report.services) {
    const { decision } = evaluation;
    // A single metric is flushed, dimensions and all, by its addMetric: one per datum, or
    // every metric after the first would lose its Service dimension.
    const perService = (name: string, unit: Parameters<Metrics["addMetric"]>[1], value: number): void => {
      const metric = metrics.singleMetric();
      metric.addDimension("Service", evaluation.service);
      metric.addMetric(name, unit, value);
    };
    perService("CapacityMode", MetricUnit.Count, decision.mode === "capacity" ? 1 : 0);
    perService("DemandRps", MetricUnit.CountPerSecond, decision.demandRps);
    perService(
      "UnitsWithoutCapacity",
      MetricUnit.Count,
      Object.values(decision.conditions).filter((c) => c.unavailable === "no-capacity").length,
    );
    for (const [unit, weight] of Object.entries(evaluation.weights ?? {})) {
      const perUnit = metrics.singleMetric();
      perUnit.addDimensions({ Service: evaluation.service, Unit: unit });
      perUnit.addMetric("Weight", MetricUnit.Count, weight);
    }
    if (evaluation.execution?.started === true) {
      const moved = metrics.singleMetric();
      moved.addDimensions({ Service: evaluation.service, Move: decision.kind });
      moved.addMetric("Switches", MetricUnit.Count, 1);
    }
  }
}
