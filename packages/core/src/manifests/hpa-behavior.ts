import type { EpochMs } from "../signals/types.ts";
import { SECOND } from "../units.ts";
import type { ScaledObjectLike } from "./scaledobject-patch.ts";

/**
 * The HPA's scale-down stabilization window when its behavior sets none:
 * kube-controller-manager's --horizontal-pod-autoscaler-downscale-stabilization, 5 min
 * (kubernetes pkg/controller/podautoscaler/config/v1alpha1/defaults.go,
 * `HorizontalPodAutoscalerDownscaleForbiddenWindow = 5 * time.Minute`; autoscaling/v2
 * defaults.go leaves `scaleDown.stabilizationWindowSeconds` nil for it).
 */
export const HPA_DEFAULT_SCALE_DOWN_WINDOW_SECONDS = 300;

/** kube-controller-manager's --horizontal-pod-autoscaler-sync-period default: 15 s. */
export const HPA_SYNC_PERIOD_SECONDS = 15;

/** The part of a ScaledObject that carries the HPA's behavior. */
export interface HpaBehaviorSource {
  readonly spec?: { readonly advanced?: NonNullable<ScaledObjectLike["spec"]>["advanced"] };
}

/** The API's bounds for `behavior.scaleDown.stabilizationWindowSeconds` (autoscaling/v2 validation). */
const MAX_WINDOW_SECONDS = 3600;

/**
 * The scale-down stabilization window of the HPA KEDA makes for a ScaledObject: its
 * `spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.stabilizationWindowSeconds`
 * (KEDA copies the behavior into the HPA as it is: controllers/keda/hpa.go
 * newHPAForScaledObject), else the HPA's default.
 */
export function scaleDownWindowSeconds(object: HpaBehaviorSource): number {
  const value =
    object.spec?.advanced?.horizontalPodAutoscalerConfig?.behavior?.scaleDown?.stabilizationWindowSeconds;
  return typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= MAX_WINDOW_SECONDS
    ? value
    : HPA_DEFAULT_SCALE_DOWN_WINDOW_SECONDS;
}

/**
 * When the HPA KEDA makes anew for a ScaledObject unpaused at `releasedAt` has a full
 * scale-down stabilization window of its own recommendations: one sync period for KEDA
 * to make it and the HPA controller to sync it, then one window.
 */
export function firstWindowEnd(object: HpaBehaviorSource, releasedAt: EpochMs): EpochMs {
  return releasedAt + (scaleDownWindowSeconds(object) + HPA_SYNC_PERIOD_SECONDS) * SECOND;
}
