import { type Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { EvaluationReport } from "@switchyard/controller";

/**
 * Per-service metrics of one evaluation, written as CloudWatch embedded metric format
 * (EMF) log lines: the dashboard's mode, weight, demand and capacity widgets read them.
 */
export function publishEvaluationMetrics(metrics: Metrics, report: EvaluationReport): void {
  for (const evaluation of report.services) {
    const { decision } = evaluation;
    const service = metrics.singleMetric();
    service.addDimension("Service", evaluation.service);
    service.addMetric("CapacityMode", MetricUnit.Count, decision.mode === "capacity" ? 1 : 0);
    service.addMetric("DemandRps", MetricUnit.CountPerSecond, decision.demandRps);
    service.addMetric(
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
