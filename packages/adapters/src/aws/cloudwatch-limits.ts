/** CloudWatch API limits the adapters split their requests to fit. */

/** GetMetricData: MetricDataQuery structures per call. */
export const MAX_QUERIES_PER_CALL = 500;

/** PutMetricData: MetricDatum items per call. */
export const MAX_DATUMS_PER_CALL = 1000;

/** Splits `items` into consecutive batches of at most `size`; none for no items. */
export function batchesOf<T>(items: readonly T[], size: number): T[][] {
  const batches: T[][] = [];
  for (let i = 0; i < items.length; i += size) batches.push(items.slice(i, i + size));
  return batches;
}
