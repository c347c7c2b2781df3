/** Annotation keys Switchyard writes or reads on the Ingress. It never touches any other key. */
export const SWITCHYARD_ANNOTATIONS = {
  /** `cost` or `capacity`: the mode the controller last put the service in. */
  mode: "switchyard.io/mode",
  /** RFC 3339 time of the last completed mode switch. */
  lastTransition: "switchyard.io/last-transition",
  /** Comma-separated units whose trouble caused the current capacity mode; a fallback waits for all of them. */
  failoverCause: "switchyard.io/failover-cause",
  /**
   * On a ScaledObject: the replica count Switchyard holds it at while traffic moves to
   * it (make-before-break); it marks KEDA's paused-replicas as Switchyard's to remove.
   */
  heldReplicas: "switchyard.io/held-replicas",
  /** An operator's pin: `cost` or `capacity`, optionally `capacity until 2026-11-21T18:00:00Z`. */
  pin: "switchyard.io/pin",
  /** Why the operator pinned (`switchyard pin --reason`); shown by `switchyard status`, removed with the pin. */
  pinReason: "switchyard.io/pin-reason",
  /**
   * `switchyard abort`: the name of the running switch an operator stopped. That switch
   * stands down at its next step and rolls back (Argo Rollouts' abort is the same kind of
   * request: a `status.abort` the controller acts on). Any other switch ignores it.
   */
  abort: "switchyard.io/abort",
  /** Why the operator aborted (`switchyard abort --reason`), quoted in the rollback's alert and Event. */
  abortReason: "switchyard.io/abort-reason",
} as const;

/** `alb.ingress.kubernetes.io/actions.<action>`: the AWS Load Balancer Controller's custom action. */
export function actionAnnotationKey(action: string): string {
  return `alb.ingress.kubernetes.io/actions.${action}`;
}

/** KEDA scales the workload to this many replicas and pauses autoscaling until it is removed. */
export const KEDA_PAUSED_REPLICAS = "autoscaling.keda.sh/paused-replicas";

/**
 * The hand-fix for a replica hold Switchyard could not lift: KEDA's pause and Switchyard's
 * mark on it, both, as ReleaseReceivers and Rollback remove them (a mark left behind would
 * claim a later pause by someone else as Switchyard's).
 */
export function holdRemovalCommand(scaledObject: string, namespace: string): string {
  return `kubectl annotate scaledobject ${scaledObject} -n ${namespace} ${KEDA_PAUSED_REPLICAS}- ${SWITCHYARD_ANNOTATIONS.heldReplicas}-`;
}
