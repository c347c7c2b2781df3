import type { Logger } from "@aws-lambda-powertools/logger";
import type {
  CloudWatchClient,
  GetMetricDataOutput,
  MessageData,
  MetricDataQuery,
} from "@aws-sdk/client-cloudwatch";
import type { EpochMs } from "@switchyard/core";
import type { MetricsReader, MetricsRequest, MetricsSnapshot } from "@switchyard/core/ports";
import { MetricsUnavailableError } from "../errors.ts";
import { batchesOf, MAX_QUERIES_PER_CALL } from "./cloudwatch-limits.ts";
import { describeQuery, planMetricQueries } from "./cloudwatch-query-plan.ts";
import { buildSnapshot } from "./cloudwatch-snapshot.ts";
import { metricDataPage } from "./get-metric-data.ts";
import { summarizeSdkError } from "./sdk-error-summary.ts";

interface CloudWatchMetricsReaderOptions {
  /** Created once per container, at module scope. */
  readonly client: CloudWatchClient;
  /** The config's `cluster.name`: recorded capacity errors are read back for this cluster only. */
  readonly cluster: string;
  /** A child logger is made from it, keyed with this adapter's name. */
  readonly logger?: Logger;
}

/**
 * A NextToken chain longer than this is CloudWatch misbehaving, not data: a window of a
 * few minutes is far below GetMetricData's 100,800 datapoints a page.
 */
const MAX_PAGES_PER_CALL = 50;

/** Per-result statuses that mean the values are missing for a reason other than no traffic. */
const FAILED_STATUSES = new Set(["InternalError", "Forbidden"]);

interface MergedResult {
  readonly values: Map<EpochMs, number>;
  status: string | undefined;
  /** The last page that carried this query's result. */
  page: number;
}

/**
 * Reads the window's ALB metrics and recorded capacity errors with GetMetricData: every
 * query in one call, split into several only past CloudWatch's 500 queries a call, each
 * call followed through its NextToken pages. The caller sets the window (end = now − 2 min,
 * since the last ALB minute is still filling).
 */
export class CloudWatchMetricsReader implements MetricsReader {
  /** What the evaluate function's role must allow for this adapter. */
  static readonly iamActions = ["cloudwatch:GetMetricData"] as const;

  readonly #client: CloudWatchClient;
  readonly #cluster: string;
  readonly #logger: Logger | undefined;

  constructor(options: CloudWatchMetricsReaderOptions) {
    this.#client = options.client;
    this.#cluster = options.cluster;
    this.#logger = options.logger?.createChild({ persistentKeys: { adapter: "CloudWatchMetricsReader" } });
  }

  async read(request: MetricsRequest): Promise<MetricsSnapshot> {
    const plan = planMetricQueries(request, this.#cluster);
    const series = new Map<string, Map<EpochMs, number>>();
    const batches = batchesOf(plan.queries, MAX_QUERIES_PER_CALL);
    for (const [index, batch] of batches.entries()) {
      const merged = await this.#readBatch(batch, request, { index, of: batches.length });
      for (const [id, result] of merged) series.set(id, result.values);
    }
    this.#logger?.debug("GetMetricData read", {
      queries: plan.queries.length,
      calls: batches.length,
      start: new Date(request.start).toISOString(),
      end: new Date(request.end).toISOString(),
    });
    return buildSnapshot(request, plan, series);
  }

  async #readBatch(
    queries: readonly MetricDataQuery[],
    request: MetricsRequest,
    call: { readonly index: number; readonly of: number },
  ): Promise<Map<string, MergedResult>> {
    const merged = new Map<string, MergedResult>();
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const output = await this.#send(queries, request, nextToken, call);
      pages += 1;
      for (const result of output.MetricDataResults ?? []) {
        if (result.Id === undefined) continue;
        const entry = merged.get(result.Id) ?? {
          values: new Map<EpochMs, number>(),
          status: undefined,
          page: 0,
        };
        const timestamps = result.Timestamps ?? [];
        const values = result.Values ?? [];
        timestamps.forEach((timestamp, i) => {
          const value = values[i];
          if (value !== undefined) entry.values.set(timestamp.getTime(), value);
        });
        entry.status = result.StatusCode;
        entry.page = pages;
        merged.set(result.Id, entry);
        this.#logMessages(result.Messages, { queryId: result.Id, statusCode: result.StatusCode });
      }
      this.#logMessages(output.Messages, { page: pages });
      nextToken = output.NextToken;
      if (nextToken !== undefined && pages >= MAX_PAGES_PER_CALL) {
        throw new MetricsUnavailableError(
          `CloudWatch GetMetricData kept returning a NextToken after ${pages} pages for ${queries.length} queries; the window ${window(request)} cannot need that many. Retry, and report it if it persists.`,
        );
      }
    } while (nextToken !== undefined);

    const byId = new Map(queries.map((q) => [q.Id, q]));
    const failed = [...merged].filter(([, result]) => FAILED_STATUSES.has(result.status ?? ""));
    if (failed.length > 0) {
      const which = failed.map(
        ([id, result]) => `${id} (${describeQuery(byId.get(id) ?? { Id: id })}): ${result.status}`,
      );
      throw new MetricsUnavailableError(
        `CloudWatch GetMetricData returned no usable data for ${failed.length} of ${queries.length} queries: ${which.join("; ")}. InternalError is CloudWatch's side, retry; Forbidden means the role or a cross-account link does not allow reading that metric.`,
      );
    }
    const partial = [...merged]
      .filter(([, result]) => result.status === "PartialData" && result.page === pages)
      .map(([id]) => id);
    if (partial.length > 0) {
      // Every page was read, so CloudWatch had no more to give for these; their gaps count as missing.
      this.#logger?.warn("GetMetricData partial data after the last page", { queryIds: partial, pages });
    }
    return merged;
  }

  async #send(
    queries: readonly MetricDataQuery[],
    request: MetricsRequest,
    nextToken: string | undefined,
    call: { readonly index: number; readonly of: number },
  ): Promise<GetMetricDataOutput> {
    try {
      return await metricDataPage(this.#client, queries, request, nextToken);
    } catch (error) {
      const services = request.services.map((s) => s.service).join(", ") || "none";
      const part = call.of > 1 ? ` (call ${call.index + 1} of ${call.of})` : "";
      throw new MetricsUnavailableError(
        `CloudWatch GetMetricData failed for ${queries.length} queries${part} of services ${services} over ${window(request)} after the SDK's retries: ${summarizeSdkError(error)}. Check that the function's role allows cloudwatch:GetMetricData and whether CloudWatch is throttling the account's GetMetricData calls.`,
        { cause: error },
      );
    }
  }

  #logMessages(messages: readonly MessageData[] | undefined, context: Record<string, unknown>): void {
    if (messages === undefined || messages.length === 0) return;
    this.#logger?.warn("GetMetricData messages", {
      ...context,
      messages: messages.map((m) => ({ code: m.Code, value: m.Value })),
    });
  }
}

function window(request: MetricsRequest): string {
  return `${new Date(request.start).toISOString()}..${new Date(request.end).toISOString()}`;
}
