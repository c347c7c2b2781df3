import type { EpochMs, Mode } from "@switchyard/core";

/** One unit during one step. */
export interface UnitStep {
  readonly name: string;
  /** Requests/s reaching its pods. */
  readonly rps: number;
  readonly requests: number;
  /** Requests its pods refused (queue full): target 5xx. */
  readonly failed: number;
  /** p95 of its requests, queueing included; null without requests. */
  readonly p95Ms: number | null;
  readonly readyPods: number;
  /** Pods whose node runs: what the bill counts. */
  readonly billedPods: number;
  /** Pods without a node (unschedulable). */
  readonly pendingPods: number;
  /** Deployment spec.replicas. */
  readonly replicas: number;
  /** Its ScaledObject's minReplicaCount (the HPA's floor; a forecast floor raises it). */
  readonly minReplicas: number;
  /** Weight of the target group that reaches it in the ALB's rule. */
  readonly weight: number;
  /** USD per hour of its running pods. */
  readonly hourlyCost: number;
}

/** What one step of one policy's run did. */
export interface StepRecord {
  readonly at: EpochMs;
  readonly demandRps: number;
  /** The mode of the ALB's rule as applied (not as the Ingress asks). */
  readonly mode: Mode;
  readonly units: readonly UnitStep[];
  /** Requests the ALB answered with 503 itself (no healthy target). */
  readonly elbFailed: number;
  readonly costUsd: number;
  readonly hourlyCost: number;
}
