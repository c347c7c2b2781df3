import {
  type ClusterEvent,
  type EpochMs,
  type InferenceService,
  type IngressState,
  ManifestError,
  type Mode,
  SECOND,
} from "@switchyard/core";
import {
  actionAnnotationKey,
  parseForwardAction,
  SWITCHYARD_ANNOTATIONS,
  USE_ANNOTATION,
} from "@switchyard/core/manifests";
import type { IngressObject } from "./cluster-objects.ts";

/** The listener rule's forward action as the ALB holds it. */
export interface AppliedRule {
  /** Weight per Kubernetes Service name (its target group). */
  readonly weights: ReadonlyMap<string, number>;
  /** The mode the Ingress said when this rule was built (switchyard.io/mode, else inferred). */
  readonly mode: Mode;
  readonly appliedAt: EpochMs;
}

/**
 * How long after the Load Balancer Controller makes a target group its first targets are
 * healthy: the targets are registered by the TargetGroupBinding controller after the
 * deploy (kubernetes-sigs/aws-load-balancer-controller v3.5.0 pkg/targetgroupbinding/
 * resource_manager.go; how long that takes is not documented: 5 s here), then pass the
 * controller's default health check, HealthyThresholdCount 2 checks 15 s apart
 * (pkg/ingress/model_builder.go l.194-201; ELB user guide target-group-health-checks.md).
 */
export const TARGET_GROUP_WARMUP_MS = 5 * SECOND + 2 * 15 * SECOND;

export class LoadBalancerModel {
  readonly #service: InferenceService;
  readonly #lagMs: number;
  #rule: AppliedRule;
  #seenVersion: string;
  #pending: { readonly at: EpochMs; readonly ingress: IngressState } | null = null;
  /** Per Service with a target group: when the controller made it. */
  readonly #groups = new Map<string, EpochMs>();
  readonly events: ClusterEvent[] = [];

  constructor(service: InferenceService, ingress: IngressObject, lagMs: number, at: EpochMs) {
    this.#service = service;
    this.#lagMs = lagMs;
    const state = ingress.read();
    this.#seenVersion = state.resourceVersion;
    this.#rule = this.#build(
      state.annotations[actionAnnotationKey(service.action)],
      state.annotations[SWITCHYARD_ANNOTATIONS.mode],
      at,
    ) ?? { weights: new Map(), mode: "cost", appliedAt: at };
    this.#syncGroups(state, Number.NEGATIVE_INFINITY);
  }

  get rule(): AppliedRule {
    return this.#rule;
  }

  /** The Services that have a target group now, with when it was made. */
  get targetGroups(): ReadonlyMap<string, EpochMs> {
    return this.#groups;
  }

  /** When a Service's target group serves (its first targets healthy), or null when it has none. */
  servingFrom(serviceName: string): EpochMs | null {
    const created = this.#groups.get(serviceName);
    return created === undefined ? null : created + TARGET_GROUP_WARMUP_MS;
  }

  /** Notices an Ingress change; the rule follows after the lag (see `reconcile`). */
  watch(ingress: IngressObject): void {
    const state = ingress.read();
    if (state.resourceVersion !== this.#seenVersion) {
      this.#seenVersion = state.resourceVersion;
      this.#pending = { at: ingress.changedAt + this.#lagMs, ingress: state };
    }
  }

  /** Applies a pending change whose lag has passed by `at`. */
  reconcile(at: EpochMs): void {
    if (this.#pending === null || this.#pending.at > at) {
      return;
    }
    const { ingress } = this.#pending;
    this.#pending = null;
    const rule = this.#build(
      ingress.annotations[actionAnnotationKey(this.#service.action)],
      ingress.annotations[SWITCHYARD_ANNOTATIONS.mode],
      at,
    );
    if (rule !== null) {
      this.#rule = rule;
      this.#syncGroups(ingress, at);
    }
  }

  /** An oracle's routing: no controller, no lag, its target groups long made. */
  setNow(weights: ReadonlyMap<string, number>, mode: Mode, at: EpochMs): void {
    this.#rule = { weights, mode, appliedAt: at };
    for (const name of weights.keys()) {
      if (!this.#groups.has(name)) {
        this.#groups.set(name, Number.NEGATIVE_INFINITY);
      }
    }
  }

  /** Makes the target groups the Ingress's rules name now (`at`), and drops those nothing names. */
  #syncGroups(ingress: IngressState, at: EpochMs): void {
    const named = new Set<string>();
    for (const backend of ingress.backends ?? []) {
      if (backend.port !== USE_ANNOTATION) {
        named.add(backend.service);
        continue;
      }
      try {
        const action = parseForwardAction(
          ingress.annotations[actionAnnotationKey(backend.service)] ?? "",
          "",
        );
        for (const group of action.forwardConfig.targetGroups) {
          if (group.serviceName !== undefined) {
            named.add(group.serviceName);
          }
        }
      } catch (error) {
        if (!(error instanceof ManifestError)) {
          throw error;
        }
      }
    }
    for (const name of named) {
      if (!this.#groups.has(name)) {
        this.#groups.set(name, at);
      }
    }
    for (const name of [...this.#groups.keys()]) {
      if (!named.has(name)) {
        this.#groups.delete(name);
      }
    }
  }

  #build(value: string | undefined, recordedMode: string | undefined, at: EpochMs): AppliedRule | null {
    const involvedObject = {
      kind: "Ingress",
      name: this.#service.ingress,
      namespace: this.#service.namespace,
    };
    if (value === undefined) {
      this.events.push({
        reason: "FailedBuildModel",
        message: `Failed build model due to ingress: ${this.#service.namespace}/${this.#service.ingress}: missing actions.${this.#service.action} configuration`,
        type: "Warning",
        involvedObject,
        at,
        count: 1,
      });
      return null;
    }
    try {
      const action = parseForwardAction(value, actionAnnotationKey(this.#service.action));
      const weights = new Map<string, number>();
      for (const group of action.forwardConfig.targetGroups) {
        if (group.serviceName !== undefined) {
          weights.set(group.serviceName, (weights.get(group.serviceName) ?? 0) + (group.weight ?? 1));
        }
      }
      const consolidated = this.#service.consolidatedService?.name;
      const inferred: Mode =
        consolidated !== undefined && (weights.get(consolidated) ?? 0) > 0 ? "capacity" : "cost";
      const mode: Mode = recordedMode === "cost" || recordedMode === "capacity" ? recordedMode : inferred;
      this.events.push({
        reason: "SuccessfullyReconciled",
        message: "Successfully reconciled",
        type: "Normal",
        involvedObject,
        at,
        count: 1,
      });
      return { weights, mode, appliedAt: at };
    } catch (error) {
      if (!(error instanceof ManifestError)) {
        throw error;
      }
      this.events.push({
        reason: "FailedBuildModel",
        message: `Failed build model due to ${error.message}`,
        type: "Warning",
        involvedObject,
        at,
        count: 1,
      });
      return null;
    }
  }
}
