import {
  formatRfc3339,
  type InferenceService,
  type IngressState,
  type Mode,
  serviceStateFrom,
  shellQuote,
} from "@switchyard/core";
import { SWITCHYARD_ANNOTATIONS } from "@switchyard/core/manifests";
import type { RoutingChange } from "@switchyard/core/ports";
import type { CliIo } from "../io.ts";
import {
  inRegion,
  type LiveOptions,
  onCluster,
  operatorCluster,
  operatorCredentials,
} from "./operator-access.ts";
import { type PinRequest, parseUntil, pinPatch, unpinPatch } from "./pin-annotation.ts";
import { readConfig } from "./read-config.ts";
import { servicesNamed } from "./status.ts";
import { EVALUATION_INTERVAL, movesFrom } from "./status-report.ts";

interface PinCommandOptions extends LiveOptions {
  readonly config: string;
  readonly service: string;
  readonly mode: Mode;
  readonly until?: string;
  readonly reason?: string;
}

/**
 * `switchyard pin`: writes `switchyard.io/pin` (and `switchyard.io/pin-reason`) on the
 * service's Ingress with a merge patch guarded by the resourceVersion just read, then
 * says what the controller does at its next evaluation.
 */
export async function pinCommand(io: CliIo, options: PinCommandOptions): Promise<void> {
  const config = inRegion(await readConfig(io, options.config), options);
  const [service] = servicesNamed(config, options.service) as [InferenceService];
  const reason = options.reason?.trim() ?? "";
  const request: PinRequest = {
    mode: options.mode,
    until: options.until === undefined ? null : parseUntil(options.until, io.now()),
    reason: reason === "" ? null : reason,
  };
  const cluster = operatorCluster(config, await operatorCredentials(options), io);
  const change = await onCluster(config, () =>
    cluster.patchRouting(service, (current) => pinPatch(current, request)),
  );
  io.stdout(pinReport(service, request, change, options.config));
}

/** `switchyard unpin`: removes Switchyard's pin annotations from the Ingress, and nothing else. */
export async function unpinCommand(
  io: CliIo,
  options: { readonly config: string; readonly service: string } & LiveOptions,
): Promise<void> {
  const config = inRegion(await readConfig(io, options.config), options);
  const [service] = servicesNamed(config, options.service) as [InferenceService];
  const cluster = operatorCluster(config, await operatorCredentials(options), io);
  const change = await onCluster(config, () => cluster.patchRouting(service, unpinPatch));
  io.stdout(unpinReport(service, change));
}

function stateOf(service: InferenceService, ingress: IngressState) {
  return serviceStateFrom({ service, cluster: { ingress, units: {} }, switches: [] });
}

function where(service: InferenceService, ingress: IngressState): string {
  return `${service.name} (Ingress ${ingress.namespace}/${ingress.name})`;
}

function pinReport(
  service: InferenceService,
  request: PinRequest,
  change: RoutingChange,
  configPath: string,
): string {
  const after = change.after;
  const value = after.annotations[SWITCHYARD_ANNOTATIONS.pin] ?? "";
  const mode = stateOf(service, after).mode;
  const until =
    request.until === null ? "until it is removed (no expiry)" : `until ${formatRfc3339(request.until)}`;
  const lines = [
    change.changed
      ? `pinned ${where(service, after)} to ${request.mode} mode: ${SWITCHYARD_ANNOTATIONS.pin}=${JSON.stringify(value)}${request.reason === null ? "" : `, ${SWITCHYARD_ANNOTATIONS.pinReason}=${JSON.stringify(request.reason)}`} (resourceVersion ${change.before.resourceVersion} → ${after.resourceVersion})`
      : `${where(service, after)} is already pinned so: ${SWITCHYARD_ANNOTATIONS.pin}=${JSON.stringify(value)}; nothing changed`,
  ];
  const hold =
    mode === request.mode
      ? `${service.name} is in ${mode} mode and stays there: at its next evaluation (within ${EVALUATION_INTERVAL}) the controller reads the pin and only observes and reports (decision: pinned) ${until}; it will not ${mode === "capacity" ? "fall back" : "fail over or rebalance"} while pinned.`
      : `at its next evaluation (within ${EVALUATION_INTERVAL}) the controller reads the pin and only observes and reports (decision: pinned) ${until}, starting no switch.`;
  lines.push(`next: ${hold}`);
  if (mode !== request.mode) {
    lines.push(
      `warning: ${service.name} is in ${mode} mode now and a pin does not switch it: its traffic stays on the ${mode}-mode routing while pinned. To put it in ${request.mode} mode, run \`switchyard ${request.mode === "capacity" ? "failover" : "fallback"} --config ${shellQuote(configPath)} --service ${service.name} --reason <why>\`: the pin holds that mode, so the switch goes with it.`,
    );
  }
  if (request.until !== null) {
    lines.push(
      `after ${formatRfc3339(request.until)} the pin no longer holds and the controller decides again as usual; the annotation stays until \`switchyard unpin\`.`,
    );
  }
  lines.push(
    "a switch already running toward the other mode stands down at its next step, before it moves traffic (one that has moved traffic completes): `switchyard status` shows it.",
  );
  return `${lines.join("\n")}\n`;
}

function unpinReport(service: InferenceService, change: RoutingChange): string {
  const after = change.after;
  if (!change.changed) {
    return `${where(service, after)} is not pinned (no ${SWITCHYARD_ANNOTATIONS.pin}); nothing changed\n`;
  }
  const was = change.before.annotations[SWITCHYARD_ANNOTATIONS.pin] ?? "";
  const state = stateOf(service, after);
  return [
    `unpinned ${where(service, after)}: removed ${SWITCHYARD_ANNOTATIONS.pin}=${JSON.stringify(was)}${change.before.annotations[SWITCHYARD_ANNOTATIONS.pinReason] === undefined ? "" : ` and ${SWITCHYARD_ANNOTATIONS.pinReason}`} (resourceVersion ${change.before.resourceVersion} → ${after.resourceVersion})`,
    `next: at its next evaluation (within ${EVALUATION_INTERVAL}) the controller decides again from ${state.mode} mode: ${movesFrom(state.mode, state.failoverCause)}.`,
    "",
  ].join("\n");
}
