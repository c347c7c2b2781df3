import type { EpochMs } from "@switchyard/core";
import { EPSILON } from "@switchyard/core";
import type { KedaParameters } from "../scenario/types.ts";

/**
 * KEDA's ScaledObject driving an HPA on an external metric with an AverageValue target:
 * desired = ceil(metric ÷ target), left alone while metric ÷ (target × replicas) is within
 * the tolerance, held between min and max replicas, and on the way down the highest
 * recommendation of the stabilization window (HPA's default scale-down behaviour).
 *
 * A metric of null is the trigger's error (aws-cloudwatch with ignoreNullValues false and
 * no datapoint, KEDA pkg/scalers/aws_cloudwatch_scaler.go 2.18-2.20): the HPA reports
 * FailedGetExternalMetric and leaves the replicas alone. `forget` is the HPA deleted: KEDA
 * deletes it while paused-replicas is set and makes a new one when the pause is removed
 * (controllers/keda/scaledobject_controller.go, hpa.go, KEDA 2.18-2.20), and the HPA
 * controller drops the stabilization history of an HPA it finds gone
 * (kubernetes pkg/controller/podautoscaler/horizontal.go, reconcileKey on NotFound): the
 * new HPA's first sync applies what the metric says then, with nothing to hold it up.
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
    readonly metric: number | null;
    readonly target: number;
    readonly min: number;
    readonly max: number;
  }): number {
    const { at, current, metric, target, min, max } = input;
    if (metric === null) {
      return current;
    }
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

  /** The HPA is deleted (a pause): its stabilization history goes with it. */
  forget(): void {
    this.#recommendations.length = 0;
  }
}
