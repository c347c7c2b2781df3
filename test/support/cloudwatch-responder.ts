import type {
  GetMetricDataCommandInput,
  GetMetricDataCommandOutput,
  MetricDataResult,
} from "@aws-sdk/client-cloudwatch";

export interface MetricKey {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly stat: string;
}

/** A value for one metric at one minute, or null for "no datapoint" (CloudWatch's silence). */
export type MetricSource = (metric: MetricKey, at: Date) => number | null;

/**
 * Answers GetMetricData from a model: one datapoint per minute from StartTime to
 * EndTime for each query, omitted where the source has none.
 */
export function answerGetMetricData(
  input: GetMetricDataCommandInput,
  source: MetricSource,
): Partial<GetMetricDataCommandOutput> {
  const start = input.StartTime instanceof Date ? input.StartTime.getTime() : Number(input.StartTime);
  const end = input.EndTime instanceof Date ? input.EndTime.getTime() : Number(input.EndTime);
  const results: MetricDataResult[] = [];
  for (const query of input.MetricDataQueries ?? []) {
    const stat = query.MetricStat;
    if (stat?.Metric === undefined || query.Id === undefined) {
      continue;
    }
    const metric: MetricKey = {
      namespace: stat.Metric.Namespace ?? "",
      metricName: stat.Metric.MetricName ?? "",
      dimensions: Object.fromEntries(
        (stat.Metric.Dimensions ?? []).map((d) => [d.Name ?? "", d.Value ?? ""]),
      ),
      stat: stat.Stat ?? "",
    };
    const timestamps: Date[] = [];
    const values: number[] = [];
    for (let at = start; at < end; at += 60_000) {
      const value = source(metric, new Date(at));
      if (value !== null) {
        timestamps.push(new Date(at));
        values.push(value);
      }
    }
    results.push({ Id: query.Id, Timestamps: timestamps, Values: values, StatusCode: "Complete" });
  }
  return { MetricDataResults: results, Messages: [] };
}

/** Every unit serving `rps` at `latencySeconds` with two healthy hosts; no capacity errors recorded. */
export function calmAlb(rps = 40, latencySeconds = 0.6): MetricSource {
  return (metric) => {
    if (metric.namespace !== "AWS/ApplicationELB") {
      return null;
    }
    switch (metric.metricName) {
      case "RequestCount":
      case "HTTPCode_Target_2XX_Count":
        return rps * 60;
      case "HTTPCode_Target_5XX_Count":
      case "HTTPCode_ELB_5XX_Count":
        return null;
      case "TargetResponseTime":
        return latencySeconds;
      case "HealthyHostCount":
        return 2;
      default:
        return null;
    }
  };
}
