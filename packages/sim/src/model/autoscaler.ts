import type { EpochMs } from "@switchyard/core";
import { EPSILON, SECOND } from "@switchyard/core";
import type { KedaParameters } from "../scenario/types.ts";

/**
 * The HPA's sync period (kube-controller-manager --horizontal-pod-autoscaler-sync-period,
 * default 15 s) and the period of its default scale-up policies.
 */
const HPA_SYNC_MS = 15 * SECOND;

/**
 * KEDA's ScaledObject driving an HPA on an external metric with an AverageValue target
 * (KEDA pkg/scalers/scaler.go GetMetricTargetType: AverageValue when no metricType), as
 * kubernetes pkg/controller/podautoscaler computes it:
 *
 * 1. replica_calculator.go GetExternalPerPodMetricReplicas: usage ÷ (target × replicas)
 *    within 1 ± tolerance keeps the replicas; otherwise ceil(usage ÷ target).
 * 2. horizontal.go reconcileAutoscaler: replicas below minReplicas go straight to
 *    minReplicas (a raised minReplicaCount acts at the next sync, whatever the metric).
 * 3. stabilizeRecommendationWithBehaviors: the metric's recommendations are kept (before
 *    any min/max clamp); scaling down goes no lower than the highest of the window
 *    (default 300 s), scaling up has no window by default.
 * 4. convertDesiredReplicasWithBehaviorRate: clamped to [minReplicas, maxReplicas], and up
 *    by at most the default scale-up policies, max(+4 pods, +100 %) per 15 s
 *    (pkg/apis/autoscaling/v2/defaults.go).
 *
 * One call stands for the syncs of one polling interval (two at the default 30 s).
 *
 * A metric of null is the trigger's error (aws-cloudwatch with ignoreNullValues false and
 * no datapoint, KEDA pkg/scalers/aws_cloudwatch_scaler.go 2.18-2.20): the HPA reports
 * FailedGetExternalMetric and leaves the replicas alone (the min/max checks of
 * reconcileAutoscaler come first). `forget` is the HPA deleted: KEDA deletes it while
 * paused-replicas is set and makes a new one when the pause is removed
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
    if (current < min) {
      return Math.min(min, max);
    }
    if (current > max) {
      return max;
    }
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

    const window = at - this.#parameters.scaleDownStabilizationMs;
    while ((this.#recommendations[0]?.at ?? Number.POSITIVE_INFINITY) <= window) {
      this.#recommendations.shift();
    }
    this.#recommendations.push({ at, replicas: recommended });
    const highest = this.#recommendations.reduce((top, r) => Math.max(top, r.replicas), recommended);
    // The stabilized recommendation: up at once, down no lower than the window's highest.
    const stabilized = recommended > current ? recommended : Math.min(current, highest);
    if (stabilized > current) {
      let limit = current;
      const syncs = Math.max(1, Math.round(this.#parameters.pollingMs / HPA_SYNC_MS));
      for (let i = 0; i < syncs; i += 1) {
        limit = Math.max(limit + 4, 2 * limit);
      }
      return Math.max(min, Math.min(max, limit, stabilized));
    }
    return Math.min(max, Math.max(min, stabilized));
  }

  /** The HPA is deleted (a pause): its stabilization history goes with it. */
  forget(): void {
    this.#recommendations.length = 0;
  }
}
