import {
  type CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataOutput,
  type MetricDataQuery,
} from "@aws-sdk/client-cloudwatch";
import type { EpochMs } from "@switchyard/core";

/**
 * One page of GetMetricData over [start, end), oldest datapoint first; `nextToken` continues
 * a query set that had more. The callers name what failed in their own error.
 */
export function metricDataPage(
  client: CloudWatchClient,
  queries: readonly MetricDataQuery[],
  window: { readonly start: EpochMs; readonly end: EpochMs },
  nextToken: string | undefined,
): Promise<GetMetricDataOutput> {
  return client.send(
    new GetMetricDataCommand({
      MetricDataQueries: [...queries],
      StartTime: new Date(window.start),
      EndTime: new Date(window.end),
      ScanBy: "TimestampAscending",
      ...(nextToken === undefined ? {} : { NextToken: nextToken }),
    }),
  );
}
