import type {
  GetMetricDataCommandInput,
  GetMetricDataCommandOutput,
  MetricDataResult,
  PutMetricDataCommandInput,
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

/**
 * Custom metrics as CloudWatch keeps them: datums written by PutMetricData, read back as
 * a per-minute Sum only by a query that names the same namespace, metric name and exactly
 * the same dimension set. "CloudWatch treats each unique combination of dimensions as a
 * separate metric. If a specific combination of dimensions was not published, you can't
 * retrieve statistics for it" (CloudWatch API Reference, GetMetricStatistics `Dimensions`;
 * GetMetricData's MetricStat names a metric the same way).
 */
export class CustomMetricStore {
  readonly #datums: {
    readonly namespace: string;
    readonly metricName: string;
    readonly dimensions: Readonly<Record<string, string>>;
    readonly minute: number;
    readonly value: number;
  }[] = [];

  /** What a PutMetricData call writes. */
  put(input: PutMetricDataCommandInput): void {
    for (const datum of input.MetricData ?? []) {
      const at = datum.Timestamp instanceof Date ? datum.Timestamp.getTime() : Date.now();
      this.#datums.push({
        namespace: input.Namespace ?? "",
        metricName: datum.MetricName ?? "",
        dimensions: Object.fromEntries((datum.Dimensions ?? []).map((d) => [d.Name ?? "", d.Value ?? ""])),
        minute: Math.floor(at / 60_000) * 60_000,
        value: datum.Value ?? 0,
      });
    }
  }

  /** Answers stored metrics (Sum per minute), and anything else from `fallback`. */
  source(fallback: MetricSource): MetricSource {
    return (metric, at) => {
      const matching = this.#datums.filter(
        (d) =>
          d.namespace === metric.namespace &&
          d.metricName === metric.metricName &&
          sameDimensions(d.dimensions, metric.dimensions),
      );
      if (matching.length === 0) {
        return fallback(metric, at);
      }
      const inMinute = matching.filter((d) => d.minute === at.getTime());
      return inMinute.length === 0 ? null : inMinute.reduce((sum, d) => sum + d.value, 0);
    };
  }
}

function sameDimensions(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}
