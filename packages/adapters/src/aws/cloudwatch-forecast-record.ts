import {
  type CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataOutput,
} from "@aws-sdk/client-cloudwatch";
import type { EpochMs } from "@switchyard/core";
import {
  SWITCHYARD_METRIC_DIMENSIONS,
  SWITCHYARD_METRIC_NAMESPACE,
  SWITCHYARD_METRICS,
} from "@switchyard/core/deploy";
import { MetricsUnavailableError } from "../errors.ts";
import { summarizeSdkError } from "./sdk-error-summary.ts";

interface CloudWatchForecastRecordOptions {
  readonly client: CloudWatchClient;
  /** The config's cluster.name: every Switchyard metric carries it as its `Cluster` dimension. */
  readonly cluster: string;
}

/** One service's recorded forecast and demand, per minute (the forecast stamped with the minute it is for). */
export interface RecordedForecast {
  readonly forecast: ReadonlyMap<EpochMs, number>;
  readonly demand: ReadonlyMap<EpochMs, number>;
}

/**
 * What the evaluate function recorded of each service's forecast (`SWITCHYARD_METRICS.forecastRps`, stamped
 * with the minute it was for) and demand (`SWITCHYARD_METRICS.demandRps`), read back per minute in one
 * GetMetricData call: `switchyard status` shows the newest forecast and scores the
 * others against the demand that came.
 */
export class CloudWatchForecastRecord {
  /** What the operator running `switchyard status` must be allowed. */
  static readonly iamActions = ["cloudwatch:GetMetricData"] as const;

  readonly #client: CloudWatchClient;
  readonly #cluster: string;

  constructor(options: CloudWatchForecastRecordOptions) {
    this.#client = options.client;
    this.#cluster = options.cluster;
  }

  async read(
    services: readonly string[],
    start: EpochMs,
    end: EpochMs,
  ): Promise<Readonly<Record<string, RecordedForecast>>> {
    if (services.length === 0) {
      return {};
    }
    const query = (id: string, metric: string, service: string) => ({
      Id: id,
      MetricStat: {
        Metric: {
          Namespace: SWITCHYARD_METRIC_NAMESPACE,
          MetricName: metric,
          Dimensions: [
            { Name: SWITCHYARD_METRIC_DIMENSIONS.cluster, Value: this.#cluster },
            { Name: SWITCHYARD_METRIC_DIMENSIONS.service, Value: service },
          ],
        },
        Period: 60,
        Stat: "Average",
      },
      ReturnData: true,
    });
    const queries = services.flatMap((service, s) => [
      query(`f${s}`, SWITCHYARD_METRICS.forecastRps, service),
      query(`d${s}`, SWITCHYARD_METRICS.demandRps, service),
    ]);
    const series = new Map<string, Map<EpochMs, number>>();
    let nextToken: string | undefined;
    do {
      let output: GetMetricDataOutput;
      try {
        output = await this.#client.send(
          new GetMetricDataCommand({
            MetricDataQueries: queries,
            StartTime: new Date(start),
            EndTime: new Date(end),
            ScanBy: "TimestampAscending",
            ...(nextToken === undefined ? {} : { NextToken: nextToken }),
          }),
        );
      } catch (error) {
        throw new MetricsUnavailableError(
          `CloudWatch GetMetricData failed reading the recorded forecast of ${services.join(", ")}: ${summarizeSdkError(error)}`,
          { cause: error },
        );
      }
      for (const result of output.MetricDataResults ?? []) {
        const points = series.get(result.Id ?? "") ?? new Map<EpochMs, number>();
        (result.Timestamps ?? []).forEach((timestamp, i) => {
          const value = result.Values?.[i];
          if (value !== undefined) points.set(timestamp.getTime(), value);
        });
        series.set(result.Id ?? "", points);
      }
      nextToken = output.NextToken;
    } while (nextToken !== undefined);
    return Object.fromEntries(
      services.map((service, s) => [
        service,
        { forecast: series.get(`f${s}`) ?? new Map(), demand: series.get(`d${s}`) ?? new Map() },
      ]),
    );
  }
}
