import type { DemandHistory, DemandHistoryReader, DemandHistoryRequest, EpochMs } from "@switchyard/core";
import { SECOND } from "@switchyard/core";
import type { EnvironmentModel } from "../model/environment.ts";
import type { SimClock } from "./sim-clock.ts";
import { targetGroupsOf } from "./target-group-directory.ts";

/**
 * GetMetricData's RequestCount (Sum) per target group at the request's period over the
 * simulated ALB, summed per service into requests/s per period, as the deployed reader
 * does (CloudWatchDemandHistoryReader). Periods before the run have no datapoint, nor
 * periods without requests.
 */
export class InMemoryDemandHistoryReader implements DemandHistoryReader {
  readonly #env: EnvironmentModel;
  readonly #clock: SimClock;
  /** Requests/s of each whole period already published, per service and period length: they no longer change. */
  readonly #published = new Map<string, Map<EpochMs, number | null>>();

  constructor(env: EnvironmentModel, clock: SimClock) {
    this.#env = env;
    this.#clock = clock;
  }

  async read(request: DemandHistoryRequest): Promise<Readonly<Record<string, DemandHistory>>> {
    const now = this.#clock.now();
    const periodMs = request.periodSeconds * SECOND;
    const count = Math.max(0, Math.round((request.end - request.start) / periodMs));
    const directory = targetGroupsOf(this.#env.service);
    const groupByDimension = new Map(
      Object.entries(directory.targetGroups).map(([name, tg]) => [tg.dimension, name]),
    );
    const histories: Record<string, DemandHistory> = {};
    for (const targets of request.services) {
      const groups = [...Object.values(targets.targetGroups), targets.consolidatedTargetGroup]
        .map((dimension) => (dimension === null ? undefined : groupByDimension.get(dimension)))
        .filter((group): group is string => group !== undefined);
      const rps = new Array<number | null>(count).fill(null);
      if (targets.loadBalancer === directory.loadBalancerDimension) {
        const key = `${targets.service}@${periodMs}`;
        const known = this.#published.get(key) ?? new Map<EpochMs, number | null>();
        this.#published.set(key, known);
        const first = Math.max(0, Math.floor((this.#env.scenario.start - request.start) / periodMs));
        for (let i = first; i < count; i += 1) {
          const from = request.start + i * periodMs;
          let value = known.get(from);
          if (value === undefined) {
            let requests = 0;
            for (const group of groups) {
              requests += this.#env.metrics.requestsBetween(group, from, from + periodMs, now);
            }
            // RequestCount has no datapoint for a period without requests.
            value = requests > 0 ? requests / request.periodSeconds : null;
            if (from + periodMs + this.#env.scenario.cloudwatch.publishDelayMs <= now) {
              known.set(from, value);
            }
          }
          rps[i] = value;
        }
      }
      histories[targets.service] = { start: request.start, periodMs, rps };
    }
    return histories;
  }
}
