import type {
  CapacitySignal,
  CapacitySignalRecorder,
  EpochMs,
  MetricsReader,
  MetricsRequest,
  MetricsSnapshot,
  ServiceMetrics,
  UnitMinute,
} from "@switchyard/core";
import { MINUTE } from "@switchyard/core";
import { noDatapointMinute } from "../model/alb-metrics.ts";
import type { EnvironmentModel } from "../model/environment.ts";
import type { SimClock } from "./sim-clock.ts";
import { targetGroupsOf } from "./target-group-directory.ts";

/** The code of a signal read back from the custom metric: its own code is not kept (the deployed reader's readBackCode). */
const READ_BACK_CODE = "InsufficientInstanceCapacity";

/** The custom metric of capacity errors per instance type, as the real recorder keeps it. */
export class InMemoryCapacityRecorder implements CapacitySignalRecorder {
  readonly signals: CapacitySignal[] = [];

  async record(signals: readonly CapacitySignal[]): Promise<void> {
    this.signals.push(...signals);
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

  constructor(env: EnvironmentModel, clock: SimClock, recorder: InMemoryCapacityRecorder) {
    this.#env = env;
    this.#clock = clock;
    this.#recorder = recorder;
  }

  async read(request: MetricsRequest): Promise<MetricsSnapshot> {
    const now = this.#clock.now();
    const minutes: EpochMs[] = [];
    for (let at = Math.floor(request.start / MINUTE) * MINUTE; at + MINUTE <= request.end; at += MINUTE) {
      minutes.push(at);
    }
    const directory = targetGroupsOf(this.#env.service);
    const serviceByDimension = new Map(
      Object.entries(directory.targetGroups).map(([name, tg]) => [tg.dimension, name]),
    );
    const services: Record<string, ServiceMetrics> = {};
    for (const targets of request.services) {
      const rows = (dimension: string | null): UnitMinute[] => {
        const group = dimension === null ? undefined : serviceByDimension.get(dimension);
        return minutes.map((at) =>
          group === undefined || targets.loadBalancer !== directory.loadBalancerDimension
            ? noDatapointMinute(at)
            : // The deployed reader does not query average latency or healthy hosts; neither does this one.
              {
                ...this.#env.metrics.unitMinute(group, at, now, targets.latencyStatistic),
                latencyAvgMs: null,
                healthyHosts: null,
              },
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
    for (const signal of this.#recorder.signals) {
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
