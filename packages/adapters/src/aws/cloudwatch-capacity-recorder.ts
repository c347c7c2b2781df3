import type { Logger } from "@aws-lambda-powertools/logger";
import { type CloudWatchClient, type MetricDatum, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import type { CapacitySignal, CapacitySignalRecorder } from "@switchyard/core";
import { CapacityRecordError } from "../errors.ts";
import { CAPACITY_METRIC } from "./cloudwatch-capacity-metric.ts";
import { batchesOf, MAX_DATUMS_PER_CALL } from "./cloudwatch-limits.ts";
import { summarizeSdkError } from "./sdk-error-summary.ts";

export interface CloudWatchCapacityRecorderOptions {
  /** Created once per container, at module scope. */
  readonly client: CloudWatchClient;
  /** A child logger is made from it, keyed with this adapter's name. */
  readonly logger?: Logger;
}

/**
 * The datums of one signal: the per-type count the reader reads back, its per-code
 * breakdown, and — when the signal says its capacity type or zone — the detail the reader
 * reads back for Spot and zoned units.
 */
function datumsOf(signal: CapacitySignal): MetricDatum[] {
  const base = {
    MetricName: CAPACITY_METRIC.metricName,
    Timestamp: new Date(signal.at),
    Value: signal.count,
    Unit: "Count",
  } as const;
  const instanceType = { Name: CAPACITY_METRIC.instanceTypeDimension, Value: signal.instanceType };
  const datums: MetricDatum[] = [
    { ...base, Dimensions: [instanceType] },
    { ...base, Dimensions: [instanceType, { Name: CAPACITY_METRIC.errorCodeDimension, Value: signal.code }] },
  ];
  if (signal.capacityType !== undefined || signal.availabilityZone !== undefined) {
    datums.push({
      ...base,
      Dimensions: [
        instanceType,
        {
          Name: CAPACITY_METRIC.capacityTypeDimension,
          Value: signal.capacityType ?? CAPACITY_METRIC.unknown,
        },
        {
          Name: CAPACITY_METRIC.availabilityZoneDimension,
          Value: signal.availabilityZone ?? CAPACITY_METRIC.unknown,
        },
      ],
    });
  }
  return datums;
}

/**
 * Keeps capacity signals as the custom metric `Switchyard/CapacityErrors` (see
 * cloudwatch-capacity-metric.ts for its dimensions), timed at each signal, so the next
 * evaluations read a window of them and dashboards show them.
 */
export class CloudWatchCapacityRecorder implements CapacitySignalRecorder {
  /** What the evaluate function's role must allow for this adapter. */
  static readonly iamActions = ["cloudwatch:PutMetricData"] as const;

  readonly #client: CloudWatchClient;
  readonly #logger: Logger | undefined;

  constructor(options: CloudWatchCapacityRecorderOptions) {
    this.#client = options.client;
    this.#logger = options.logger?.createChild({ persistentKeys: { adapter: "CloudWatchCapacityRecorder" } });
  }

  async record(signals: readonly CapacitySignal[]): Promise<void> {
    // A zero count adds nothing to a Sum; a datum for it would only create the metric.
    const datums = signals.filter((signal) => signal.count > 0).flatMap(datumsOf);
    if (datums.length === 0) return;
    for (const batch of batchesOf(datums, MAX_DATUMS_PER_CALL)) {
      try {
        await this.#client.send(
          new PutMetricDataCommand({ Namespace: CAPACITY_METRIC.namespace, MetricData: batch }),
        );
      } catch (error) {
        throw new CapacityRecordError(
          `CloudWatch PutMetricData of ${batch.length} ${CAPACITY_METRIC.namespace}/${CAPACITY_METRIC.metricName} datapoints failed after the SDK's retries: ${summarizeSdkError(error)}. Check that the function's role allows cloudwatch:PutMetricData (with any cloudwatch:namespace condition allowing "${CAPACITY_METRIC.namespace}") and that every signal is less than two weeks old.`,
          { cause: error },
        );
      }
    }
    this.#logger?.info("capacity signals recorded", {
      signals: signals.length,
      datums: datums.length,
      instanceTypes: [...new Set(signals.map((s) => s.instanceType))],
    });
  }
}
