import type { CapacitySignal, EpochMs, ServiceMetrics, UnitMinute } from "@switchyard/core";
import { MINUTE } from "@switchyard/core";
import type {
  CapacitySignalRecorder,
  MetricsReader,
  MetricsRequest,
  MetricsSnapshot,
} from "@switchyard/core/ports";
import { noDatapointMinute } from "../model/alb-metrics.ts";
import type { EnvironmentModel } from "../model/environment.ts";
import type { SimClock } from "./sim-clock.ts";
import { targetGroupsOf } from "./target-group-directory.ts";

/** The code of a signal read back from the custom metric: its own code is not kept (the deployed reader's readBackCode). */
const READ_BACK_CODE = "InsufficientInstanceCapacity";

/** The custom metric of capacity errors per instance type, as the real recorder keeps it. */
export class InMemoryCapacityRecorder implements CapacitySignalRecorder {
  readonly signals: CapacitySignal[] = [];
  /** latestAt[i]: the latest `at` of signals[0..i], so a read skips the run's old signals in one search. */
  readonly #latestAt: number[] = [];

  async record(signals: readonly CapacitySignal[]): Promise<void> {
    for (const signal of signals) {
      this.signals.push(signal);
      this.#latestAt.push(Math.max(signal.at, this.#latestAt[this.#latestAt.length - 1] ?? signal.at));
    }
  }

  /** The index of the first signal that may be at or after `at`: every signal before it is earlier. */
  firstIndexSince(at: EpochMs): number {
    let low = 0;
    let high = this.#latestAt.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((this.#latestAt[mid] as number) < at) {
        low = mid + 1;
      } else {
        high = mid;
      }
    }
    return low;
  }
}

/**
 * GetMetricData over the simulated ALB: every whole minute of [start, end) per unit's target
 * group dimension (no datapoint: counts 0, latency and healthy hosts null), the ELB 5XX count,
 * and the recorded capacity errors summed per instance type and minute.
 */
export class InMemoryMetricsReader implements MetricsReader {
  readonly #env: EnvironmentModel;
  readonly #clock: SimClock;
  readonly #recorder: InMemoryCapacityRecorder;
  readonly #directory: ReturnType<typeof targetGroupsOf>;
  readonly #serviceByDimension: ReadonlyMap<string, string>;

  constructor(env: EnvironmentModel, clock: SimClock, recorder: InMemoryCapacityRecorder) {
    this.#env = env;
    this.#clock = clock;
    this.#recorder = recorder;
    // The service's target groups do not change during a run: named once, not on every read.
    this.#directory = targetGroupsOf(env.service);
    this.#serviceByDimension = new Map(
      Object.entries(this.#directory.targetGroups).map(([name, tg]) => [tg.dimension, name]),
    );
  }

  async read(request: MetricsRequest): Promise<MetricsSnapshot> {
    const now = this.#clock.now();
    const minutes: EpochMs[] = [];
    for (let at = Math.floor(request.start / MINUTE) * MINUTE; at + MINUTE <= request.end; at += MINUTE) {
      minutes.push(at);
    }
    const directory = this.#directory;
    const serviceByDimension = this.#serviceByDimension;
    const services: Record<string, ServiceMetrics> = {};
    for (const targets of request.services) {
      const rows = (dimension: string | null): UnitMinute[] => {
        const group = dimension === null ? undefined : serviceByDimension.get(dimension);
        return minutes.map((at) =>
          group === undefined || targets.loadBalancer !== directory.loadBalancerDimension
            ? noDatapointMinute(at)
            : // The deployed reader does not query average latency or healthy hosts; neither does this one.
              this.#env.metrics.readerMinute(group, at, now, targets.latencyStatistic),
        );
      };
      const units: Record<string, readonly UnitMinute[]> = {};
      for (const [unit, dimension] of Object.entries(targets.targetGroups)) {
        units[unit] = rows(dimension);
      }
      services[targets.service] = {
        units,
        consolidated: targets.consolidatedTargetGroup === null ? null : rows(targets.consolidatedTargetGroup),
        elb5xx: minutes.map((at) => ({ at, count: this.#env.metrics.elb5xx(at, now) })),
      };
    }
    const perMinute = new Map<string, CapacitySignal>();
    const signals = this.#recorder.signals;
    for (let i = this.#recorder.firstIndexSince(request.start); i < signals.length; i += 1) {
      const signal = signals[i] as CapacitySignal;
      if (
        !request.instanceTypes.includes(signal.instanceType) ||
        signal.at < request.start ||
        signal.at >= request.end
      ) {
        continue;
      }
      // The deployed reader keeps a signal's capacity type and zone (the metric's
      // {InstanceType, CapacityType, AvailabilityZone} set) for the instance types of
      // units on Spot or with zones, but never its code.
      const minute = Math.floor(signal.at / MINUTE) * MINUTE;
      const detailed = request.detailedTypes?.find((d) => d.instanceType === signal.instanceType);
      const zone =
        detailed !== undefined &&
        signal.availabilityZone !== undefined &&
        detailed.zones.includes(signal.availabilityZone)
          ? signal.availabilityZone
          : undefined;
      const capacityType = detailed === undefined ? undefined : signal.capacityType;
      const key = `${signal.instanceType}@${minute}@${capacityType ?? ""}@${zone ?? ""}`;
      const seen = perMinute.get(key);
      perMinute.set(key, {
        instanceType: signal.instanceType,
        at: minute,
        source: "recorded-metric",
        code: seen?.code ?? READ_BACK_CODE,
        count: (seen?.count ?? 0) + signal.count,
        ...(capacityType === undefined ? {} : { capacityType }),
        ...(zone === undefined ? {} : { availabilityZone: zone }),
      });
    }
    return { services, capacityErrors: [...perMinute.values()].sort((a, b) => a.at - b.at) };
  }
}
