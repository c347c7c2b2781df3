import type { DeploymentUnit, InferenceService, SwitchyardConfig } from "@switchyard/core";
import type { DeployedStack } from "../commands/deployed-stack.ts";
import type {
  ForecastStatus,
  ServiceStatus,
  SwitchSearch,
  SwitchStatus,
  UnitStatus,
} from "../commands/status-report.ts";
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
  {
    header: "min replicas",
    align: "right",
    cell: (u) =>
      u.minReplicas === null
        ? "?"
        : u.floor === null
          ? String(u.minReplicas)
          : `${u.minReplicas} (floor; owner's ${u.floor.base ?? "unset"})`,
  },
];

/** A unit's row in `-o wide`: what it reads, and the objects and limits the config names for it. */
interface WideUnit {
  readonly status: UnitStatus;
  readonly unit: DeploymentUnit | undefined;
}

const configured = (unit: DeploymentUnit | undefined, text: (u: DeploymentUnit) => string): string =>
  unit === undefined ? "?" : text(unit);

/** `-o wide`: the table's columns, then the Kubernetes objects and the limits of each unit. */
const WIDE_UNIT_COLUMNS: readonly Column<WideUnit>[] = [
  ...UNIT_COLUMNS.map((column) => ({ ...column, cell: (row: WideUnit) => column.cell(row.status) })),
  { header: "Service", cell: (row) => configured(row.unit, (u) => `${u.service.name}:${u.service.port}`) },
  { header: "Deployment", cell: (row) => configured(row.unit, (u) => u.deployment) },
  { header: "ScaledObject", cell: (row) => configured(row.unit, (u) => u.scaledObject.name) },
  {
    header: "replicas",
    align: "right",
    cell: (row) => configured(row.unit, (u) => `${u.minReplicaCount}–${u.maxReplicaCount}`),
  },
  { header: "maxRps", align: "right", cell: (row) => configured(row.unit, (u) => String(u.maxRps)) },
  { header: "instance types", cell: (row) => configured(row.unit, (u) => u.instanceTypes.join(",")) },
];

interface StatusTableOptions {
  /** `-o wide`: each unit's Service, Deployment, ScaledObject, replica range, maxRps and instance types too. */
  readonly wide?: boolean;
}

/** `switchyard status`'s table: per service, its mode and pin, one row per unit, its switches. */
export function renderStatusTable(
  config: SwitchyardConfig,
  stack: DeployedStack,
  services: readonly ServiceStatus[],
  now: Date,
  options: StatusTableOptions = {},
): string {
  const stage = stack.stage === null ? "" : ` (stage ${stack.stage})`;
  const header = [
    `cluster ${config.cluster.name} (${config.cluster.region}) · read ${now.toISOString().replace(/\.\d{3}Z$/, "Z")}`,
    `state machine ${stack.stateMachineArn}${stage}, from ${stack.from}`,
  ].join("\n");
  const configOf = (name: string) => config.services.find((service) => service.name === name);
  const rendered = services.map((s) => renderService(s, options.wide === true ? configOf(s.service) : null));
  return `${[header, ...rendered].join("\n\n")}\n`;
}

/** One service; `wide` is its config in `-o wide` (undefined if the config lacks it), null otherwise. */
function renderService(s: ServiceStatus, wide: InferenceService | undefined | null): string {
  const version = wide === null ? "" : ` · resourceVersion ${s.resourceVersion}`;
  const lines = [`${s.service} · Ingress ${s.namespace}/${s.ingress} · action ${s.action}${version}`];
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
  lines.push(
    wide === null
      ? textTable(s.units, UNIT_COLUMNS)
      : textTable(
          s.units.map((status) => ({ status, unit: wide?.units.find((u) => u.name === status.name) })),
          WIDE_UNIT_COLUMNS,
        ),
  );
  if (s.forecast !== null) {
    lines.push(`  forecast     ${forecastText(s.forecast)}`);
  }
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

/** The newest forecast and how the last day's scored, from what evaluate recorded. */
function forecastText(f: ForecastStatus): string {
  if (f.problem !== null) {
    return `${f.mode}: ${f.problem}`;
  }
  const next = f.next === null ? "none recorded yet" : `${Math.round(f.next.rps)} RPS for ${f.next.at}`;
  const score =
    f.score === null
      ? "no forecast minute scored yet"
      : `over the last 24 h (${f.score.minutes} min) off by ${f.score.meanAbsoluteErrorPercent.toFixed(1)} % of demand on average, bias ${f.score.biasPercent >= 0 ? "+" : "−"}${Math.abs(f.score.biasPercent).toFixed(1)} %`;
  const acts = f.mode === "forecast-and-scale" ? "floors act" : "recorded only, no floor written";
  return `${f.mode} (${acts}) · ${next} · ${score}`;
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
