import type { DemandHistory, EpochMs } from "@switchyard/core";
import { SECOND } from "@switchyard/core";
import type { DemandHistoryReader, DemandHistoryRequest } from "@switchyard/core/ports";
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
  /**
   * Requests/s of each whole period already published, per service, period length and
   * period alignment: they no longer change. From the first period of the run read, one
   * after another (an evaluation every minute reads the same 14 days again: copying the
   * known periods, not looking each up by its time, keeps a month's run fast), and the
   * last history read if every period of it was published: the window moves one period at
   * a time, so the evaluations within a period read the same.
   */
  readonly #published = new Map<
    string,
    { readonly origin: EpochMs; readonly values: (number | null)[]; last: DemandHistory | null }
  >();

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
      let rps: (number | null)[] = [];
      if (targets.loadBalancer === directory.loadBalancerDimension) {
        // Periods before the run have no datapoint (the period the run starts in has).
        const firstOfRun = Math.max(0, Math.floor((this.#env.scenario.start - request.start) / periodMs));
        const first = Math.min(count, firstOfRun);
        const key = `${targets.service}@${periodMs}@${request.start % periodMs}`;
        const known = this.#published.get(key) ?? {
          origin: request.start + firstOfRun * periodMs,
          values: [],
          last: null,
        };
        this.#published.set(key, known);
        if (known.last !== null && known.last.start === request.start && known.last.rps.length === count) {
          histories[targets.service] = known.last;
          continue;
        }
        // Period i of this request is period `offset + i` of the cache.
        const offset = (request.start - known.origin) / periodMs;
        rps = new Array<number | null>(first).fill(null);
        let i = first;
        if (offset + i >= 0 && offset + i < known.values.length) {
          const cachedTo = Math.min(count, known.values.length - offset);
          rps = rps.concat(known.values.slice(offset + i, offset + cachedTo));
          i = cachedTo;
        }
        for (; i < count; i += 1) {
          const from = request.start + i * periodMs;
          let requests = 0;
          for (const group of groups) {
            requests += this.#env.metrics.requestsBetween(group, from, from + periodMs, now);
          }
          // RequestCount has no datapoint for a period without requests.
          const value = requests > 0 ? requests / request.periodSeconds : null;
          if (
            offset + i === known.values.length &&
            from + periodMs + this.#env.scenario.cloudwatch.publishDelayMs <= now
          ) {
            known.values.push(value);
          }
          rps.push(value);
        }
        const history = { start: request.start, periodMs, rps };
        known.last = offset + count <= known.values.length ? history : null;
        histories[targets.service] = history;
        continue;
      } else {
        rps = new Array<number | null>(count).fill(null);
      }
      histories[targets.service] = { start: request.start, periodMs, rps };
    }
    return histories;
  }
}
