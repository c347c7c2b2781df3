import {
  actionAnnotationKey,
  type ClusterEvent,
  type EpochMs,
  type InferenceService,
  ManifestError,
  type Mode,
  parseForwardAction,
  SWITCHYARD_ANNOTATIONS,
} from "@switchyard/core";
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
 * The ALB and the AWS Load Balancer Controller: the listener rule follows the Ingress's
 * action annotation `ruleLagMs` after each change (the controller reconciles within
 * seconds; the exact figure is not documented). A value the controller cannot read leaves
 * the rule as it was and records FailedBuildModel, as the real controller does.
 */
export class LoadBalancerModel {
  readonly #service: InferenceService;
  readonly #lagMs: number;
  #rule: AppliedRule;
  #seenVersion: string;
  #pending: {
    readonly at: EpochMs;
    readonly value: string | undefined;
    readonly mode: string | undefined;
  } | null = null;
  readonly events: ClusterEvent[] = [];

  constructor(service: InferenceService, ingress: IngressObject, lagMs: number, at: EpochMs) {
    this.#service = service;
    this.#lagMs = lagMs;
    this.#seenVersion = ingress.read().resourceVersion;
    this.#rule = this.#build(
      ingress.annotation(actionAnnotationKey(service.action)),
      ingress.annotation(SWITCHYARD_ANNOTATIONS.mode),
      at,
    ) ?? { weights: new Map(), mode: "cost", appliedAt: at };
  }

  get rule(): AppliedRule {
    return this.#rule;
  }

  /** Notices an Ingress change; the rule follows after the lag (see `reconcile`). */
  watch(ingress: IngressObject): void {
    const version = ingress.read().resourceVersion;
    if (version !== this.#seenVersion) {
      this.#seenVersion = version;
      this.#pending = {
        at: ingress.changedAt + this.#lagMs,
        value: ingress.annotation(actionAnnotationKey(this.#service.action)),
        mode: ingress.annotation(SWITCHYARD_ANNOTATIONS.mode),
      };
    }
  }

  /** Applies a pending change whose lag has passed by `at`. */
  reconcile(at: EpochMs): void {
    if (this.#pending === null || this.#pending.at > at) {
      return;
    }
    const { value, mode } = this.#pending;
    this.#pending = null;
    const rule = this.#build(value, mode, at);
    if (rule !== null) {
      this.#rule = rule;
    }
  }

  /** An oracle's routing: no controller, no lag. */
  setNow(weights: ReadonlyMap<string, number>, mode: Mode, at: EpochMs): void {
    this.#rule = { weights, mode, appliedAt: at };
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
        message: `Failed build model due to ingress: ${this.#service.namespace}/${this.#service.ingress}: missing annotation ${actionAnnotationKey(this.#service.action)}`,
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
