import type { EpochMs } from "@switchyard/core";
import { EPSILON } from "@switchyard/core";
import type { KedaParameters } from "../scenario/types.ts";

/**
 * KEDA's ScaledObject driving an HPA on an external metric with an AverageValue target:
 * desired = ceil(metric ÷ target), left alone while metric ÷ (target × replicas) is within
 * the tolerance, held between min and max replicas, and on the way down the highest
 * recommendation of the stabilization window (HPA's default scale-down behaviour).
 */
export class HorizontalAutoscaler {
  readonly #parameters: KedaParameters;
  readonly #recommendations: { at: EpochMs; replicas: number }[] = [];

  constructor(parameters: KedaParameters) {
    this.#parameters = parameters;
  }

  desiredReplicas(input: {
    readonly at: EpochMs;
    readonly current: number;
    readonly metric: number;
    readonly target: number;
    readonly min: number;
    readonly max: number;
  }): number {
    const { at, current, metric, target, min, max } = input;
    let recommended: number;
    if (!(target > 0)) {
      recommended = current;
    } else if (current > 0 && Math.abs(metric / (target * current) - 1) <= this.#parameters.tolerance) {
      recommended = current;
    } else {
      recommended = Math.ceil(metric / target - EPSILON);
    }
    recommended = Math.min(max, Math.max(min, recommended));

    const window = at - this.#parameters.scaleDownStabilizationMs;
    while ((this.#recommendations[0]?.at ?? Number.POSITIVE_INFINITY) <= window) {
      this.#recommendations.shift();
    }
    this.#recommendations.push({ at, replicas: recommended });
    if (recommended >= current) {
      return recommended;
    }
    const highest = this.#recommendations.reduce((top, r) => Math.max(top, r.replicas), recommended);
    return Math.min(current, highest);
  }
}
