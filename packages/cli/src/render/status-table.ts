import type { SwitchyardConfig } from "@switchyard/core";
import type { DeployedStack } from "../commands/deployed-stack.ts";
import type { ServiceStatus, SwitchSearch, SwitchStatus, UnitStatus } from "../commands/status-report.ts";
import { type Column, textTable } from "./text-table.ts";

const UNIT_COLUMNS: readonly Column<UnitStatus>[] = [
  { header: "unit", cell: (u) => u.name },
  { header: "weight", align: "right", cell: (u) => (u.weight === null ? "?" : String(u.weight)) },
  { header: "KEDA target", align: "right", cell: (u) => u.kedaTarget ?? "(none)" },
  {
    header: "pods ready/desired",
    align: "right",
    cell: (u) => (u.deploymentFound ? `${u.readyPods}/${u.desiredPods}` : "no Deployment"),
  },
  { header: "unschedulable", align: "right", cell: (u) => String(u.unschedulablePods) },
  {
    header: "hold",
    cell: (u) =>
      u.hold === null
        ? "—"
        : u.hold.by === null
          ? `paused at ${u.hold.replicas} (not Switchyard's)`
          : `${u.hold.replicas} pods, by ${u.hold.by}`,
  },
];

/** `switchyard status`'s table: per service, its mode and pin, one row per unit, its switches. */
export function renderStatusTable(
  config: SwitchyardConfig,
  stack: DeployedStack,
  services: readonly ServiceStatus[],
  now: Date,
): string {
  const stage = stack.stage === null ? "" : ` (stage ${stack.stage})`;
  const header = [
    `cluster ${config.cluster.name} (${config.cluster.region}) · read ${now.toISOString().replace(/\.\d{3}Z$/, "Z")}`,
    `state machine ${stack.stateMachineArn}${stage}, from ${stack.from}`,
  ].join("\n");
  return `${[header, ...services.map(renderService)].join("\n\n")}\n`;
}

function renderService(s: ServiceStatus): string {
  const lines = [`${s.service} · Ingress ${s.namespace}/${s.ingress} · action ${s.action}`];
  const since = s.lastTransition === null ? "" : `, since ${s.lastTransition}`;
  const recorded = s.modeRecorded ? "" : " (inferred from the routing: no switchyard.io/mode yet)";
  const cause = s.failoverCause === null ? "" : `; caused by ${s.failoverCause.join(", ")}`;
  lines.push(`  mode     ${s.mode}${recorded}${since}${cause}`);
  lines.push(`  pin      ${pinText(s)}`);
  if (s.routingProblem !== null) {
    lines.push(`  routing  cannot be read: ${s.routingProblem}`);
  } else if (s.consolidatedWeight !== null) {
    lines.push(
      `  routing  round-robin per pod through the consolidated Service (weight ${s.consolidatedWeight})`,
    );
  }
  lines.push(textTable(s.units, UNIT_COLUMNS));
  lines.push(`  last switch  ${s.lastSwitch === null ? noSwitchText(s.searched) : switchText(s.lastSwitch)}`);
  lines.push(
    `  running      ${s.running.length === 0 ? "none" : s.running.map(switchText).join("\n               ")}`,
  );
  lines.push(`  next         ${s.next}`);
  return lines.join("\n");
}

/** Exactly what was searched: the whole history, or only its newest executions (of every service). */
function noSwitchText(searched: SwitchSearch): string {
  return searched.wholeHistory
    ? `none in the state machine's history (${searched.executions} ${searched.executions === 1 ? "execution" : "executions"})`
    : `none in the state machine's newest ${searched.executions} executions (status reads no further back)`;
}

function pinText(s: ServiceStatus): string {
  const pin = s.pin;
  if (pin === null) {
    return "none";
  }
  const until = pin.until === null ? "without expiry" : `until ${pin.until}`;
  const state = pin.holds ? "" : " (EXPIRED: no longer holds)";
  const reason = pin.reason === null ? "" : ` · reason: ${pin.reason}`;
  const problem = pin.problem === null ? "" : ` · ${pin.problem}`;
  return `${pin.mode} ${until}${state}${reason}${problem}`;
}

function switchText(w: SwitchStatus): string {
  const ended = w.stoppedAt === null ? "" : ` → ${w.stoppedAt}`;
  const moved =
    w.movedTraffic === null ? "" : w.movedTraffic ? ", after traffic had moved" : ", before traffic moved";
  const link = w.console === null ? "" : `\n               ${w.console}`;
  return `${w.move} ${w.name} · ${w.startedAt}${ended} · ${w.outcome}${moved}${link}`;
}
