import type { ClusterGateway, RoutingVerifier, SwitchyardConfig } from "@switchyard/core";
import { switchAlert } from "./alerts.ts";
import { RoutingNotAppliedError, RoutingRejectedError } from "./errors.ts";
import { serviceNamed } from "./service-lookup.ts";
import { parseSwitchState, type VerificationResult } from "./switch-state.ts";

export interface VerifyRoutingDeps {
  readonly config: SwitchyardConfig;
  readonly cluster: ClusterGateway;
  readonly verifier: RoutingVerifier;
}

const REJECTIONS = ["FailedBuildModel", "FailedDeployModel"];

/**
 * The VerifyAlb step: a Load Balancer Controller rejection newer than the patch fails
 * the switch at once; otherwise the listener rule must hold the planned weights, or
 * the step throws RoutingNotAppliedError for the workflow to retry with backoff.
 */
export async function verifyRouting(rawState: unknown, deps: VerifyRoutingDeps): Promise<VerificationResult> {
  const state = parseSwitchState(rawState);
  const service = serviceNamed(deps.config, state.plan.input.service);
  const patchedAt = Date.parse(state.routing?.patchedAt ?? state.plan.plannedAt);
  // Event times have one-second precision.
  const since = Math.floor(patchedAt / 1000) * 1000;
  const events = await deps.cluster.ingressEvents(service, since);
  const rejected = events.find((e) => REJECTIONS.includes(e.reason) && e.at >= since);
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
    throw new RoutingNotAppliedError(`the ALB listener rule does not hold the planned weights yet: ${diff}`);
  }
  return { check, alert: switchAlert(state, check, deps.config.cluster.region) };
}
