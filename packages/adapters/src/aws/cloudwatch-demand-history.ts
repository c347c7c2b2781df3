import type { Logger } from "@aws-lambda-powertools/logger";
import type { CloudWatchClient, GetMetricDataOutput, MetricDataQuery } from "@aws-sdk/client-cloudwatch";
import { type DemandHistory, demandHistoryOf, type EpochMs, SECOND } from "@switchyard/core";
import type { DemandHistoryReader, DemandHistoryRequest } from "@switchyard/core/ports";
import { MetricsUnavailableError } from "../errors.ts";
import { batchesOf, MAX_QUERIES_PER_CALL } from "./cloudwatch-limits.ts";
import { metricDataPage } from "./get-metric-data.ts";
import { summarizeSdkError } from "./sdk-error-summary.ts";

interface CloudWatchDemandHistoryReaderOptions {
  /** Created once per container, at module scope. */
  readonly client: CloudWatchClient;
  readonly logger?: Logger;
}

/** A chain of more pages than this is CloudWatch misbehaving: the period is chosen so the read is one page. */
const MAX_PAGES = 20;

/** Per-result statuses that mean the values are missing for a reason other than no traffic. */
const FAILED_STATUSES = new Set(["InternalError", "Forbidden"]);

/**
 * The forecast's history: `AWS/ApplicationELB` `RequestCount` (Sum) of every unit's and
 * the consolidated Service's target group at the request's period, over the request's
 * days, in one GetMetricData call. The caller picks the period so the datapoints fit one
 * page of 100,800 (`historyPeriodSeconds`); more pages are followed all the same, and
 * more than 500 target groups split into several calls. Summed per service and period
 * into requests/s (core's `demandHistoryOf`).
 */
export class CloudWatchDemandHistoryReader implements DemandHistoryReader {
  /** What the evaluate function's role must allow for this adapter. */
  static readonly iamActions = ["cloudwatch:GetMetricData"] as const;

  readonly #client: CloudWatchClient;
  readonly #logger: Logger | undefined;

  constructor(options: CloudWatchDemandHistoryReaderOptions) {
    this.#client = options.client;
    this.#logger = options.logger?.createChild({
      persistentKeys: { adapter: "CloudWatchDemandHistoryReader" },
    });
  }

  async read(request: DemandHistoryRequest): Promise<Readonly<Record<string, DemandHistory>>> {
    const queries: MetricDataQuery[] = [];
    const serviceOf = new Map<string, string>();
    request.services.forEach((targets, s) => {
      const groups = [...Object.values(targets.targetGroups), targets.consolidatedTargetGroup].filter(
        (group): group is string => group !== null,
      );
      groups.forEach((group, g) => {
        const id = `h${s}_${g}`;
        serviceOf.set(id, targets.service);
        queries.push({
          Id: id,
          MetricStat: {
            Metric: {
              Namespace: "AWS/ApplicationELB",
              MetricName: "RequestCount",
              Dimensions: [
                { Name: "LoadBalancer", Value: targets.loadBalancer },
                { Name: "TargetGroup", Value: group },
              ],
            },
            Period: request.periodSeconds,
            Stat: "Sum",
          },
          ReturnData: true,
        });
      });
    });
    const series = new Map<string, Map<EpochMs, number>>();
    let pages = 0;
    for (const batch of batchesOf(queries, MAX_QUERIES_PER_CALL)) {
      pages += await this.#readBatch(batch, request, series);
    }
    if (pages > 1) {
      this.#logger?.warn("history read took more than one page", { pages, queries: queries.length });
    }
    const window = { start: request.start, end: request.end, periodMs: request.periodSeconds * SECOND };
    return Object.fromEntries(
      request.services.map((targets) => [
        targets.service,
        demandHistoryOf(
          window,
          [...series].filter(([id]) => serviceOf.get(id) === targets.service).map(([, points]) => points),
        ),
      ]),
    );
  }

  async #readBatch(
    queries: readonly MetricDataQuery[],
    request: DemandHistoryRequest,
    series: Map<string, Map<EpochMs, number>>,
  ): Promise<number> {
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const output = await this.#send(queries, request, nextToken);
      pages += 1;
      for (const result of output.MetricDataResults ?? []) {
        if (result.Id === undefined) continue;
        if (FAILED_STATUSES.has(result.StatusCode ?? "")) {
          throw new MetricsUnavailableError(
            `CloudWatch GetMetricData returned ${result.StatusCode} for the RequestCount history (${result.Id}): InternalError is CloudWatch's side, retry; Forbidden means the role does not allow cloudwatch:GetMetricData`,
          );
        }
        const points = series.get(result.Id) ?? new Map<EpochMs, number>();
        (result.Timestamps ?? []).forEach((timestamp, i) => {
          const value = result.Values?.[i];
          if (value !== undefined) points.set(timestamp.getTime(), value);
        });
        series.set(result.Id, points);
      }
      nextToken = output.NextToken;
      if (nextToken !== undefined && pages >= MAX_PAGES) {
        throw new MetricsUnavailableError(
          `CloudWatch GetMetricData kept returning a NextToken after ${pages} pages of RequestCount history at ${request.periodSeconds} s; retry, and report it if it persists`,
        );
      }
    } while (nextToken !== undefined);
    return pages;
  }

  async #send(
    queries: readonly MetricDataQuery[],
    request: DemandHistoryRequest,
    nextToken: string | undefined,
  ): Promise<GetMetricDataOutput> {
    try {
      return await metricDataPage(this.#client, queries, request, nextToken);
    } catch (error) {
      throw new MetricsUnavailableError(
        `CloudWatch GetMetricData failed reading the RequestCount history of ${request.services.map((s) => s.service).join(", ")}: ${summarizeSdkError(error)}`,
        { cause: error },
      );
    }
  }
}
