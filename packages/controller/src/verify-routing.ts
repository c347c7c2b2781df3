import type { Clock, ClusterGateway, RoutingVerifier, SwitchyardConfig } from "@switchyard/core";
import { SECOND } from "@switchyard/core";
import { switchAlert } from "./alerts.ts";
import { RoutingNotAppliedError, RoutingRejectedError } from "./errors.ts";
import type { ControllerLogger } from "./logger.ts";
import { serviceNamed } from "./service-lookup.ts";
import { assertNotAborted } from "./supersession.ts";
import { recordSwitchEvent, succeededEvent } from "./switch-events.ts";
import { parseSwitchState, type VerificationResult } from "./switch-state.ts";

export interface VerifyRoutingDeps {
  readonly config: SwitchyardConfig;
  readonly cluster: ClusterGateway;
  readonly verifier: RoutingVerifier;
  readonly clock: Clock;
  readonly logger?: ControllerLogger;
}

/**
 * The AWS Load Balancer Controller's Ingress event reasons (pkg/k8s/events.go) as its
 * group reconciler records them (controllers/ingress/group_controller.go): it records
 * FailedBuildModel when the Ingress group cannot be turned into a model (an annotation it
 * cannot parse: the same annotation fails the same way on every retry), and
 * FailedDeployModel for any error of the ELBv2/EC2 calls that deploy the model —
 * throttling and 5xx included — after which controller-runtime requeues and tries again.
 */
const FINAL_REJECTION = "FailedBuildModel";
const DEPLOY_FAILURE = "FailedDeployModel";

/**
 * The VerifyAlb step: a FailedBuildModel newer than the patch fails the switch at once
 * (the controller cannot use the annotation); otherwise the listener rule must hold the
 * planned weights, or the step throws RoutingNotAppliedError for the workflow to retry
 * with backoff until verifyTimeoutSeconds — a FailedDeployModel too, since the controller
 * retries the deploy itself; its latest message goes into the error, so a switch that
 * runs out of time says why.
 */
export async function verifyRouting(rawState: unknown, deps: VerifyRoutingDeps): Promise<VerificationResult> {
  const state = parseSwitchState(rawState);
  const service = serviceNamed(deps.config, state.plan.input.service);
  // A read of the Ingress (a patch builder that writes nothing): an operator may abort
  // while the ALB lags, and this step is retried until it catches up.
  await deps.cluster.patchRouting(service, (current) => {
    assertNotAborted(state.plan.input.executionName, current);
    return null;
  });
  const patchedAt = Date.parse(state.routing?.patchedAt ?? state.plan.plannedAt);
  // Event times have one-second precision.
  const since = Math.floor(patchedAt / SECOND) * SECOND;
  const events = await deps.cluster.ingressEvents(service, since);
  const rejected = events.find((e) => e.reason === FINAL_REJECTION && e.at >= since);
  if (rejected !== undefined) {
    throw new RoutingRejectedError(
      `the AWS Load Balancer Controller rejected the new routing of Ingress ${service.namespace}/${service.ingress}: ${rejected.reason}: ${rejected.message}`,
    );
  }
  const check = await deps.verifier.verify(service, state.plan.target.routing.targetGroups);
  if (!check.applied) {
    const diff = check.differences
      .map(
        (d) =>
          `${d.serviceName} expected ${d.expected}, ALB has ${d.actual === null ? "no target group" : d.actual}`,
      )
      .join("; ");
    const deployFailure = events.filter((e) => e.reason === DEPLOY_FAILURE && e.at >= since).at(-1);
    throw new RoutingNotAppliedError(
      `the ALB listener rule does not hold the planned weights yet: ${diff}${
        deployFailure === undefined
          ? ""
          : `; the AWS Load Balancer Controller reported ${DEPLOY_FAILURE} (it retries): ${deployFailure.message}`
      }`,
    );
  }
  const { region } = deps.config.cluster;
  await recordSwitchEvent(deps, service, succeededEvent(state, check, deps.clock.now(), region));
  return { check, alert: switchAlert(state, check, region) };
}
