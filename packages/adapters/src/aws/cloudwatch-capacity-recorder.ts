import type { Logger } from "@aws-lambda-powertools/logger";
import { type CloudWatchClient, type MetricDatum, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import type { CapacitySignal } from "@switchyard/core";
import type { CapacitySignalRecorder } from "@switchyard/core/ports";
import { CapacityRecordError } from "../errors.ts";
import { CAPACITY_METRIC } from "./cloudwatch-capacity-metric.ts";
import { MAX_DATUMS_PER_CALL } from "./cloudwatch-limits.ts";
import { summarizeSdkError } from "./sdk-error-summary.ts";

interface CloudWatchCapacityRecorderOptions {
  /** Created once per container, at module scope. */
  readonly client: CloudWatchClient;
  /** The config's `cluster.name`: the `Cluster` dimension of every datum. */
  readonly cluster: string;
  /** A child logger is made from it, keyed with this adapter's name. */
  readonly logger?: Logger;
}

/**
/**
 * Signals a failed PutMetricData left behind are kept for the next call, at most this
 * many (the oldest go first): an outage of CloudWatch must not grow a container's memory.
 */
const MAX_PENDING_SIGNALS = 1000;

/**
 * The datums of one signal: the per-type count the reader reads back, its per-code
 * breakdown, and — when the signal says its capacity type or zone — the detail the reader
 * reads back for Spot and zoned units.
 */
function datumsOf(signal: CapacitySignal, cluster: string): MetricDatum[] {
  const base = {
    MetricName: CAPACITY_METRIC.metricName,
    Timestamp: new Date(signal.at),
    Value: signal.count,
    Unit: "Count",
  } as const;
  const clusterDimension = { Name: CAPACITY_METRIC.clusterDimension, Value: cluster };
  const instanceType = { Name: CAPACITY_METRIC.instanceTypeDimension, Value: signal.instanceType };
  const scope = [clusterDimension, instanceType];
  const datums: MetricDatum[] = [
    { ...base, Dimensions: scope },
    { ...base, Dimensions: [...scope, { Name: CAPACITY_METRIC.errorCodeDimension, Value: signal.code }] },
  ];
  if (signal.capacityType !== undefined || signal.availabilityZone !== undefined) {
    datums.push({
      ...base,
      Dimensions: [
        ...scope,
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
 * evaluations read a window of them and dashboards show them. Signals a call could not
 * write are kept and written first by the next call (the container's next evaluation),
 * still at their own times: a CloudWatch fault delays a record, it does not lose it.
 */
export class CloudWatchCapacityRecorder implements CapacitySignalRecorder {
  /** What the evaluate function's role must allow for this adapter. */
  static readonly iamActions = ["cloudwatch:PutMetricData"] as const;

  readonly #client: CloudWatchClient;
  readonly #cluster: string;
  readonly #logger: Logger | undefined;
  #pending: CapacitySignal[] = [];

  constructor(options: CloudWatchCapacityRecorderOptions) {
    this.#client = options.client;
    this.#cluster = options.cluster;
    this.#logger = options.logger?.createChild({ persistentKeys: { adapter: "CloudWatchCapacityRecorder" } });
  }

  /** Signals kept from a failed call, to be written by the next. */
  get pending(): readonly CapacitySignal[] {
    return this.#pending;
  }

  async record(signals: readonly CapacitySignal[]): Promise<void> {
    // A zero count adds nothing to a Sum; a datum for it would only create the metric.
    const due = [...this.#pending, ...signals.filter((signal) => signal.count > 0)];
    this.#pending = [];
    if (due.length === 0) return;
    const batches = signalBatches(due, this.#cluster);
    for (const [index, batch] of batches.entries()) {
      const datums = batch.flatMap((signal) => datumsOf(signal, this.#cluster));
      try {
        await this.#client.send(
          new PutMetricDataCommand({ Namespace: CAPACITY_METRIC.namespace, MetricData: datums }),
        );
      } catch (error) {
        this.#pending = batches.slice(index).flat().slice(-MAX_PENDING_SIGNALS);
        throw new CapacityRecordError(
          `CloudWatch PutMetricData of ${datums.length} ${CAPACITY_METRIC.namespace}/${CAPACITY_METRIC.metricName} datapoints failed after the SDK's retries: ${summarizeSdkError(error)}; ${this.#pending.length} signals are kept and written with the next record. Check that the function's role allows cloudwatch:PutMetricData (with any cloudwatch:namespace condition allowing "${CAPACITY_METRIC.namespace}") and that every signal is less than two weeks old.`,
          { cause: error },
        );
      }
    }
    this.#logger?.info("capacity signals recorded", {
      signals: due.length,
      datums: due.flatMap((signal) => datumsOf(signal, this.#cluster)).length,
      instanceTypes: [...new Set(due.map((s) => s.instanceType))],
    });
  }
}

/** Signals in calls of at most MAX_DATUMS_PER_CALL datums, each signal's datums in one call. */
function signalBatches(signals: readonly CapacitySignal[], cluster: string): CapacitySignal[][] {
  const batches: CapacitySignal[][] = [];
  let batch: CapacitySignal[] = [];
  let size = 0;
  for (const signal of signals) {
    const datums = datumsOf(signal, cluster).length;
    if (batch.length > 0 && size + datums > MAX_DATUMS_PER_CALL) {
      batches.push(batch);
      batch = [];
      size = 0;
    }
    batch.push(signal);
    size += datums;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}
