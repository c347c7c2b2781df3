import {
  isRefusal,
  MINUTE,
  type MoveDecision,
  type OperatorRefusal,
  type OperatorRequest,
  operatorDecision,
  type SwitchyardConfig,
  serviceStateFrom,
  signalWindowMinutes,
} from "@switchyard/core";
import { actionAnnotationKey } from "@switchyard/core/manifests";
import type { Clock, ClusterGateway, SwitchStart, SwitchStarter } from "@switchyard/core/ports";
import { executionName } from "@switchyard/core/workflow";
import { assertOwnRouting, readableAction } from "./plan-switch.ts";
import { HISTORY_MS, switchInputOf } from "./service-evaluation.ts";
import { serviceNamed } from "./service-lookup.ts";

/** What an operator's move reads and starts with: the operator's own credentials behind each port. */
interface OperatorSwitchDeps {
  readonly clock: Clock;
  readonly cluster: ClusterGateway;
  readonly switches: SwitchStarter;
}

type OperatorSwitchResult =
  | {
      readonly kind: "started";
      readonly name: string;
      readonly start: SwitchStart;
      readonly decision: MoveDecision;
    }
  | { readonly kind: "refused"; readonly refusal: OperatorRefusal };

/**
 * `switchyard failover` and `switchyard fallback`: the same mode-switch workflow a decision
 * of evaluate starts, with the operator's word as its cause. It reads what evaluate reads
 * of the service except the ALB's metrics — the Ingress, the Deployments and pending pods,
 * Karpenter's capacity errors and the switch history — decides with core's
 * operatorDecision, and starts the execution named for the move, as evaluate names it.
 */
export async function operatorSwitch(
  config: SwitchyardConfig,
  request: OperatorRequest & { readonly service: string },
  deps: OperatorSwitchDeps,
): Promise<OperatorSwitchResult> {
  const service = serviceNamed(config, request.service);
  const now = deps.clock.now();
  const cluster = await deps.cluster.readService(service);
  const switches = await deps.switches.history(service.name, now - HISTORY_MS);
  const capacity = await deps.cluster.capacityEvents(now - signalWindowMinutes(service.policy) * MINUTE);
  const state = serviceStateFrom({ service, cluster, switches });
  const verdict = operatorDecision(
    state,
    { minutes: {}, consolidated: null, capacity },
    service.policy,
    now,
    request,
  );
  if (isRefusal(verdict)) {
    return { kind: "refused", refusal: verdict };
  }
  // As evaluate: an action that also routes to Services the config does not name is never rewritten.
  const value = cluster.ingress.annotations[actionAnnotationKey(service.action)] ?? null;
  const action = readableAction(value, cluster.ingress.namespace, cluster.ingress.name, service.action);
  assertOwnRouting(value, action, service, `Ingress ${cluster.ingress.namespace}/${cluster.ingress.name}`);
  const name = executionName(service.name, verdict.kind, now);
  const start = await deps.switches.start({ name, input: switchInputOf(verdict, name, []) });
  return { kind: "started", name, start, decision: verdict };
}
