import {
  type InferenceService,
  LBC_EVENT_REASONS,
  rejectsWrittenRouting,
  SECOND,
  type SwitchyardConfig,
  targetGroupProblems,
  type WrittenRouting,
} from "@switchyard/core";
import { standbyActionNames } from "@switchyard/core/manifests";
import type { Clock, ClusterGateway, RoutingVerifier, TargetHealthReader } from "@switchyard/core/ports";
import { switchAlert } from "./alerts.ts";
import { RoutingNotAppliedError, RoutingRejectedError } from "./errors.ts";
import type { ControllerLogger } from "./logger.ts";
import { serviceNamed } from "./service-lookup.ts";
import { assertNotAborted } from "./supersession.ts";
import { recordSwitchEvent, succeededEvent } from "./switch-events.ts";
import { parseSwitchState, type VerificationResult } from "./switch-state.ts";

interface VerifyRoutingDeps {
  readonly config: SwitchyardConfig;
  readonly cluster: ClusterGateway;
  readonly verifier: RoutingVerifier;
  readonly targetHealth: TargetHealthReader;
  readonly clock: Clock;
  readonly logger?: ControllerLogger;
}

/**
 * The VerifyAlb step. The AWS Load Balancer Controller's events on the Ingress
 * (controllers/ingress/group_controller.go) are only its fast failure path: a
 * FailedBuildModel newer than the patch that rejects what Switchyard wrote (it names
 * Switchyard's action or a Service the action forwards to: see `rejectsWrittenRouting`)
 * fails the switch at once. Any other FailedBuildModel — an AWS lookup of the model
 * build that failed for now (subnets, certificates, a target group by name, throttling),
 * or a sibling Ingress of the group — and every FailedDeployModel (an ELBv2 call of the
 * deploy) are retried by the controller itself, so the step waits like for a lagging
 * ALB: it throws RoutingNotAppliedError for the workflow to retry with backoff until
 * verifyTimeoutSeconds, the latest such message in the error, so a switch that runs out
 * of time says why. The listener rule holding the planned weights, with a healthy target
 * in every target group that now carries traffic (DescribeTargetHealth), is the success
 * signal: weights that point at a target group with no healthy target — one the
 * controller has just made, or replaced — are not a switch that serves, and are waited on
 * like the weights. A move that went ahead without ready receivers (CheckReceivers'
 * deadline, or a failover that turned urgent) is not failed for it: its alert says which
 * target groups cannot serve yet.
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
  const events = (await deps.cluster.ingressEvents(service, since)).filter((e) => e.at >= since);
  const written = writtenRouting(service);
  const rejected = events.find((e) => rejectsWrittenRouting(e, written));
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
    const retried = events
      .filter(
        (e) => e.reason === LBC_EVENT_REASONS.deployFailed || e.reason === LBC_EVENT_REASONS.buildFailed,
      )
      .at(-1);
    throw new RoutingNotAppliedError(
      `the ALB listener rule does not hold the planned weights yet: ${diff}${
        retried === undefined
          ? ""
          : `; the AWS Load Balancer Controller reported ${retried.reason} (it retries): ${retried.message}`
      }`,
    );
  }
  const carrying = state.plan.target.routing.targetGroups
    .filter((g) => g.weight > 0)
    .map((g) => g.serviceName);
  const targetGroups = await deps.targetHealth.health(service, carrying);
  const unhealthy = targetGroupProblems(targetGroups, "wait");
  const movedUnready = state.receivers !== undefined && state.receivers.verdict !== "ready";
  if (unhealthy.length > 0 && !movedUnready) {
    throw new RoutingNotAppliedError(
      `the ALB listener rule holds the planned weights, but the traffic it sends cannot be served yet: ${unhealthy.join("; ")}`,
    );
  }
  const { region } = deps.config.cluster;
  await recordSwitchEvent(deps, service, succeededEvent(state, check, deps.clock.now(), region));
  return { check, targetGroups, alert: switchAlert(state, check, region, unhealthy) };
}

/** The actions Switchyard writes on the service's Ingress, and the Services they name. */
function writtenRouting(service: InferenceService): WrittenRouting {
  return {
    namespace: service.namespace,
    ingress: service.ingress,
    actions: [service.action, ...standbyActionNames(service)],
    services: [
      ...service.units.map((u) => u.service.name),
      ...(service.consolidatedService === undefined ? [] : [service.consolidatedService.name]),
    ],
  };
}
