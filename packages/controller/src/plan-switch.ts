import { type InferenceService, ManifestError, type SwitchyardConfig } from "@switchyard/core";
import {
  actionAnnotationKey,
  describeTargetGroup,
  type ForwardAction,
  foreignActionOf,
  foreignTargetGroups,
  parseForwardAction,
  SWITCHYARD_ANNOTATIONS,
} from "@switchyard/core/manifests";
import type { Clock, ClusterGateway } from "@switchyard/core/ports";
import { planMove } from "@switchyard/core/workflow";
import { ForeignRoutingError, TransientError } from "./errors.ts";
import type { ControllerLogger } from "./logger.ts";
import { workflowErrorOf } from "./run-step.ts";
import { serviceNamed } from "./service-lookup.ts";
import { assertNotAborted } from "./supersession.ts";
import { planFailedEvent, recordSwitchEvent } from "./switch-events.ts";
import { parseSwitchInput, type SwitchInput, type SwitchPlan } from "./switch-state.ts";

interface PlanSwitchDeps {
  readonly config: SwitchyardConfig;
  readonly cluster: ClusterGateway;
  readonly clock: Clock;
  readonly logger?: ControllerLogger;
}

/**
 * The Plan step: reads the cluster as it is now, plans the target mode against it (core's
 * planMove), and records what is there before anything changes, so Rollback can restore
 * exactly that. A failure the workflow will not retry changed nothing; it is told on the
 * Ingress as a SwitchFailed Event.
 */
export async function planSwitch(
  rawInput: unknown,
  executionArn: string | null,
  deps: PlanSwitchDeps,
): Promise<SwitchPlan> {
  const input = parseSwitchInput(rawInput);
  const service = serviceNamed(deps.config, input.service);
  try {
    return await planOf(input, service, executionArn, deps);
  } catch (error) {
    if (!(workflowErrorOf(error) instanceof TransientError)) {
      const region = deps.config.cluster.region;
      await recordSwitchEvent(
        deps,
        service,
        planFailedEvent(input, executionArn, error, deps.clock.now(), region),
      );
    }
    throw error;
  }
}

async function planOf(
  input: SwitchInput,
  service: InferenceService,
  executionArn: string | null,
  deps: PlanSwitchDeps,
): Promise<SwitchPlan> {
  const now = deps.clock.now();
  const cluster = await deps.cluster.readService(service);
  assertNotAborted(input.executionName, cluster.ingress);
  const scaledObjects = await deps.cluster.readScaledObjects(service);
  const annotations = cluster.ingress.annotations;
  const currentValue = annotations[actionAnnotationKey(service.action)] ?? null;
  const currentAction = readableAction(
    currentValue,
    cluster.ingress.namespace,
    cluster.ingress.name,
    service.action,
  );
  assertOwnRouting(
    currentValue,
    currentAction,
    service,
    `Ingress ${cluster.ingress.namespace}/${cluster.ingress.name}`,
  );
  const { readyTimeoutSeconds, ...planned } = planMove({
    service,
    move: input.move,
    to: input.to,
    demandRps: input.demandRps,
    urgent: input.urgent,
    causes: input.causes,
    supersedesUrgent: (input.supersedes ?? []).length > 0,
    conditions: input.conditions,
    cluster,
    scaledObjects,
    currentAction,
  });
  return {
    input,
    executionArn,
    plannedAt: new Date(now).toISOString(),
    ...planned,
    before: {
      annotationValue: currentValue,
      mode: annotations[SWITCHYARD_ANNOTATIONS.mode] ?? null,
      lastTransition: annotations[SWITCHYARD_ANNOTATIONS.lastTransition] ?? null,
      failoverCause: annotations[SWITCHYARD_ANNOTATIONS.failoverCause] ?? null,
    },
    receiversDeadline: new Date(now + readyTimeoutSeconds * 1000).toISOString(),
    receiverHoldSeconds: service.policy.receiverHoldSeconds,
  };
}

/**
 * Refuses to write over routing that is not Switchyard's: an action annotation that
 * holds a valid action Switchyard does not write (a forward to a target group by ARN, a
 * fixed response, a redirect: `foreignActionOf`), or a forward that also routes to
 * Services the config does not name (`assertOnlyOwnTargets`).
 */
export function assertOwnRouting(
  value: string | null,
  action: ForwardAction | undefined,
  service: InferenceService,
  where: string,
): void {
  const foreign = value === null ? null : foreignActionOf(value);
  if (foreign !== null) {
    throw new ForeignRoutingError(
      `${where} annotation ${actionAnnotationKey(service.action)} holds ${foreign}, a valid action of the AWS Load Balancer Controller that Switchyard did not write; Switchyard rewrites the whole action and would replace it, so it changes nothing. To hand the routing back, write a forward action with forwardConfig over the service's Services`,
    );
  }
  if (action !== undefined) {
    assertOnlyOwnTargets(action, service, where);
  }
}

/**
 * Refuses an action that also routes to Services the config does not name: writing the
 * plan would drop them (another team's canary would lose its traffic without a word).
 */
function assertOnlyOwnTargets(action: ForwardAction, service: InferenceService, where: string): void {
  const own = [
    ...service.units.map((u) => u.service.name),
    ...(service.consolidatedService === undefined ? [] : [service.consolidatedService.name]),
  ];
  const foreign = foreignTargetGroups(action, own);
  if (foreign.length > 0) {
    throw new ForeignRoutingError(
      `${where} annotation ${actionAnnotationKey(service.action)} also routes to ${foreign.map(describeTargetGroup).join(", ")}, which services[${service.name}] in the config does not name; Switchyard rewrites the whole action and would drop ${foreign.length === 1 ? "it" : "them"}, so it changes nothing. Move ${foreign.length === 1 ? "it" : "them"} to an action of ${foreign.length === 1 ? "its" : "their"} own, or add the Service as a unit of the service, or pin a mode (switchyard.io/pin) while it is there`,
    );
  }
}

/** The current action, when it can be read: its stickiness and target-group order are kept. */
export function readableAction(
  value: string | null,
  namespace: string,
  ingress: string,
  action: string,
): ForwardAction | undefined {
  if (value === null) {
    return undefined;
  }
  try {
    return parseForwardAction(
      value,
      `Ingress ${namespace}/${ingress} annotation ${actionAnnotationKey(action)}`,
    );
  } catch (error) {
    if (error instanceof ManifestError) {
      return undefined;
    }
    throw error;
  }
}
