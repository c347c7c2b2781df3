import type { RecordedForecast, SwitchExecution } from "@switchyard/adapters";
import {
  type EpochMs,
  EVALUATE_SCHEDULE,
  type ForecastScore,
  forecastScore,
  type InferenceService,
  type Mode,
  type Move,
  pinHolds,
  type ScaledObjectState,
  type ServiceClusterState,
  type SwitchRecord,
  serviceStateFrom,
} from "@switchyard/core";
import {
  actionAnnotationKey,
  KEDA_PAUSED_REPLICAS,
  parseFloorMark,
  parseForwardAction,
  parseHoldMark,
  SWITCHYARD_ANNOTATIONS,
} from "@switchyard/core/manifests";

/** How often the deployed controller evaluates, in words: "1 minute" from `rate(1 minute)`. */
export const EVALUATION_INTERVAL = EVALUATE_SCHEDULE.replace(/^rate\((.*)\)$/, "$1");

/** The moves the controller may make from `mode`, in words. */
export function movesFrom(mode: Mode, failoverCause: readonly string[]): string {
  return mode === "capacity"
    ? `it falls back to cost mode once ${failoverCause.join(", ")} ${failoverCause.length === 1 ? "has" : "have"} recovered (clear of capacity errors for the quiet period, pods schedule, the SLO holds, the dwell time passed) or cost mode can carry demand without ${failoverCause.length === 1 ? "it" : "them"}`
    : "it fails over, reroutes around a loss or rebalances when the signals say so";
}

interface PinStatus {
  readonly mode: Mode;
  /** RFC 3339, or null when the pin has no expiry. */
  readonly until: string | null;
  /** Whether it holds now (false once `until` has passed). */
  readonly holds: boolean;
  readonly reason: string | null;
  /** The annotation as written. */
  readonly raw: string;
  /** Set when the controller cannot read the value (it still holds). */
  readonly problem: string | null;
}

export interface UnitStatus {
  readonly name: string;
  /** The weight that reaches the unit (through its own Service or the consolidated one); null when the action cannot be read. */
  readonly weight: number | null;
  /** The ScaledObject trigger's per-pod target. */
  readonly kedaTarget: string | null;
  /** KEDA's paused-replicas on the ScaledObject, and whose it is; null without one. */
  readonly hold: { readonly replicas: string; readonly by: string | null } | null;
  readonly readyPods: number;
  readonly desiredPods: number;
  readonly unschedulablePods: number;
  readonly deploymentFound: boolean;
  /** The ScaledObject's spec.minReplicaCount (KEDA's 0 when absent); null without a ScaledObject. */
  readonly minReplicas: number | null;
  /** Switchyard's forecast floor on it: the owner's value it raised from (null: the field was absent); null without one. */
  readonly floor: { readonly base: number | null } | null;
}

/** The service's forecast, as the evaluate function recorded it (its forecast and demand metrics). */
export interface ForecastStatus {
  readonly mode: InferenceService["forecast"]["mode"];
  /** The newest forecast recorded: the minute it is for, and requests/s; null when none is. */
  readonly next: { readonly at: string; readonly rps: number } | null;
  /** The forecasts of the last 24 hours against the demand that came; null without any minute of both. */
  readonly score: ForecastScore | null;
  /** Why the recorded forecast could not be read, when it could not. */
  readonly problem: string | null;
}

export interface SwitchStatus {
  readonly name: string;
  readonly move: Move;
  readonly status: SwitchRecord["status"];
  readonly startedAt: string;
  readonly stoppedAt: string | null;
  /** `succeeded`, `running`, `superseded`, `failed (<error>)`, `timed out`, `aborted`. */
  readonly outcome: string;
  /** For one that closed without succeeding: whether traffic had moved (it got to VerifyAlb). */
  readonly movedTraffic: boolean | null;
  readonly console: string | null;
}

export interface ServiceStatus {
  readonly service: string;
  readonly namespace: string;
  readonly ingress: string;
  readonly action: string;
  readonly resourceVersion: string;
  readonly mode: Mode;
  /** Whether the mode is Switchyard's annotation (false: inferred from the routing). */
  readonly modeRecorded: boolean;
  readonly lastTransition: string | null;
  /** In capacity mode: the units whose trouble caused it (a fallback waits for all of them). */
  readonly failoverCause: readonly string[] | null;
  readonly pin: PinStatus | null;
  /** The consolidated Service's weight when the action routes through it (capacity mode). */
  readonly consolidatedWeight: number | null;
  /** Why the action annotation cannot be read, when it cannot. */
  readonly routingProblem: string | null;
  readonly units: readonly UnitStatus[];
  /** Null when the service's forecast is off. */
  readonly forecast: ForecastStatus | null;
  readonly lastSwitch: SwitchStatus | null;
  /** How far back the state machine's history was searched for the last switch. */
  readonly searched: SwitchSearch;
  readonly running: readonly SwitchStatus[];
  /** What the controller does at its next evaluation, in words. */
  readonly next: string;
}

/** Executions of the state machine (every service's) read, and whether that was its whole history. */
export interface SwitchSearch {
  readonly executions: number;
  readonly wholeHistory: boolean;
}

interface StatusInput {
  readonly service: InferenceService;
  readonly cluster: ServiceClusterState;
  readonly scaledObjects: Readonly<Record<string, ScaledObjectState>>;
  /** This service's executions, newest first, back to its last closed one (SfnSwitchStarter.lastSwitch). */
  readonly switches: readonly SwitchRecord[];
  readonly searched: SwitchSearch;
  /** DescribeExecution of the ones shown: the newest closed one and every running one. */
  readonly executions: ReadonlyMap<string, SwitchExecution>;
  readonly consoleUrl: (executionArn: string) => string | null;
  readonly now: EpochMs;
  /** What evaluate recorded of the forecast (null: the forecast is off), or why it could not be read. */
  readonly forecast: RecordedForecast | { readonly problem: string } | null;
}

/** The executions `serviceStatus` shows, which the command describes first. */
export function shownSwitches(switches: readonly SwitchRecord[]): SwitchRecord[] {
  const closed = switches.find((s) => s.status !== "RUNNING");
  return [...switches.filter((s) => s.status === "RUNNING"), ...(closed === undefined ? [] : [closed])];
}

/** One service's state as the controller reads it, for `switchyard status`. Pure. */
export function serviceStatus(input: StatusInput): ServiceStatus {
  const { service, cluster } = input;
  const state = serviceStateFrom({ service, cluster, switches: input.switches });
  const annotations = cluster.ingress.annotations;
  const pin = pinStatus(state.pin, annotations[SWITCHYARD_ANNOTATIONS.pinReason], input.now);
  const running = input.switches.filter((s) => s.status === "RUNNING").map((s) => switchStatus(s, input));
  const closed = input.switches.find((s) => s.status !== "RUNNING");
  return {
    service: service.name,
    namespace: cluster.ingress.namespace,
    ingress: cluster.ingress.name,
    action: service.action,
    resourceVersion: cluster.ingress.resourceVersion,
    mode: state.mode,
    modeRecorded: state.modeRecorded,
    lastTransition: state.lastTransitionAt === null ? null : iso(state.lastTransitionAt),
    failoverCause: state.mode === "capacity" ? state.failoverCause : null,
    pin,
    consolidatedWeight: consolidatedWeight(service, annotations[actionAnnotationKey(service.action)]),
    routingProblem: state.actionProblem,
    units: service.units.map((unit): UnitStatus => {
      const runtime = state.units[unit.name];
      const scaled = input.scaledObjects[unit.name];
      return {
        name: unit.name,
        weight: state.weights?.[unit.name] ?? null,
        kedaTarget: scaled?.target ?? null,
        hold: holdOf(scaled),
        readyPods: runtime?.readyReplicas ?? 0,
        desiredPods: runtime?.desiredReplicas ?? 0,
        unschedulablePods: runtime?.unschedulablePods ?? 0,
        deploymentFound: cluster.units[unit.name]?.deploymentFound ?? false,
        minReplicas: scaled === undefined ? null : (scaled.object.spec?.minReplicaCount ?? 0),
        floor: floorOf(scaled),
      };
    }),
    forecast: forecastStatus(service, input),
    lastSwitch: closed === undefined ? null : switchStatus(closed, input),
    searched: input.searched,
    running,
    next: nextEvaluation(state.mode, state.failoverCause, pin, running),
  };
}

function pinStatus(
  pin: ReturnType<typeof serviceStateFrom>["pin"],
  reason: string | undefined,
  now: EpochMs,
): PinStatus | null {
  if (pin === null) {
    return null;
  }
  return {
    mode: pin.mode,
    until: pin.until === null ? null : iso(pin.until),
    holds: pinHolds(pin, now),
    reason: reason === undefined || reason.trim() === "" ? null : reason,
    raw: pin.raw,
    problem: pin.problem ?? null,
  };
}

/** `switchyard.io/held-replicas` is `<replicas>@<execution>`: the hold is Switchyard's when it matches KEDA's pause. */
function holdOf(scaled: ScaledObjectState | undefined): UnitStatus["hold"] {
  const annotations =
    (scaled?.object.metadata as { annotations?: Record<string, string> } | undefined)?.annotations ?? {};
  const paused = annotations[KEDA_PAUSED_REPLICAS];
  if (paused === undefined) {
    return null;
  }
  const mark = parseHoldMark(annotations[SWITCHYARD_ANNOTATIONS.heldReplicas]);
  return { replicas: paused, by: mark !== null && mark.replicas === paused ? mark.owner : null };
}

/** `switchyard.io/replica-floor` is `<floor>;base=<owner's value>`: the floor is Switchyard's while the value is still its own. */
function floorOf(scaled: ScaledObjectState | undefined): UnitStatus["floor"] {
  const mark = parseFloorMark(scaled?.object.metadata?.annotations?.[SWITCHYARD_ANNOTATIONS.replicaFloor]);
  return mark === null || mark.floor !== scaled?.object.spec?.minReplicaCount ? null : { base: mark.base };
}

function forecastStatus(service: InferenceService, input: StatusInput): ForecastStatus | null {
  const recorded = input.forecast;
  if (recorded === null || service.forecast.mode === "off") {
    return null;
  }
  if ("problem" in recorded) {
    return { mode: service.forecast.mode, next: null, score: null, problem: recorded.problem };
  }
  const newest = [...recorded.forecast].reduce<[EpochMs, number] | null>(
    (latest, point) => (latest === null || point[0] > latest[0] ? point : latest),
    null,
  );
  return {
    mode: service.forecast.mode,
    next: newest === null ? null : { at: iso(newest[0]), rps: newest[1] },
    score: forecastScore(recorded.forecast, recorded.demand),
    problem: null,
  };
}

function consolidatedWeight(service: InferenceService, value: string | undefined): number | null {
  const consolidated = service.consolidatedService;
  if (consolidated === undefined || value === undefined) {
    return null;
  }
  try {
    const groups = parseForwardAction(value, "action").forwardConfig.targetGroups;
    const weight = groups
      .filter((g) => g.serviceName === consolidated.name)
      .reduce((sum, g) => sum + (g.weight ?? 1), 0);
    return weight > 0 ? weight : null;
  } catch {
    // serviceStateFrom reports the unreadable action as routingProblem.
    return null;
  }
}

function switchStatus(record: SwitchRecord, input: StatusInput): SwitchStatus {
  const described = input.executions.get(record.name);
  const status = described?.status ?? record.status;
  return {
    name: record.name,
    move: record.move,
    status,
    startedAt: iso(record.startedAt),
    stoppedAt: described?.stoppedAt === undefined ? null : iso(described.stoppedAt),
    outcome: outcomeOf(status, described?.error),
    movedTraffic: record.movedTraffic ?? null,
    console: described === undefined ? null : input.consoleUrl(described.executionArn),
  };
}

function outcomeOf(status: SwitchRecord["status"], error: string | undefined): string {
  switch (status) {
    case "SUCCEEDED":
      return "succeeded";
    case "RUNNING":
      return "running";
    case "FAILED":
      // The workflow's Superseded state fails with this error: the move stood down for a newer one.
      return error === "SwitchSuperseded" ? "superseded" : `failed (${error ?? "no error named"})`;
    case "TIMED_OUT":
      return "timed out";
    case "ABORTED":
      return "aborted";
    case "PENDING_REDRIVE":
      return "failed, pending redrive";
  }
}

function nextEvaluation(
  mode: Mode,
  failoverCause: readonly string[],
  pin: PinStatus | null,
  running: readonly SwitchStatus[],
): string {
  const every = `every ${EVALUATION_INTERVAL.replace(/^1 /, "")}`;
  if (pin?.holds === true) {
    const until = pin.until === null ? "until the pin is removed" : `until ${pin.until}`;
    const differs =
      pin.mode === mode
        ? ""
        : `; the pin names ${pin.mode} but the service is in ${mode} mode, and a pin does not switch it`;
    return `pinned: the controller observes and reports only (decision: pinned) ${until}, starting no switch${differs}`;
  }
  const expired =
    pin === null
      ? ""
      : `the pin expired at ${pin.until ?? "?"} and no longer holds (switchyard unpin removes it); `;
  if (running.length > 0) {
    return `${expired}${running.map((r) => r.name).join(", ")} running: the controller starts no fallback, rebalance or repair until it ends (a failover still supersedes a calm move, and a reroute one started before its loss)`;
  }
  return `${expired}the controller evaluates ${every}: ${movesFrom(mode, failoverCause)}`;
}

function iso(at: EpochMs): string {
  return Number.isFinite(at) ? new Date(at).toISOString().replace(/\.000Z$/, "Z") : "unknown";
}
