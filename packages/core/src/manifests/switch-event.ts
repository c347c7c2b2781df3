import type { EpochMs } from "../signals/types.ts";

/**
 * The Kubernetes Events a switch records on its service's Ingress, so that
 * `kubectl describe ingress <name>` and `kubectl get events` tell the story where an SRE
 * already looks — as Argo Rollouts (`RolloutAborted`, `TrafficWeightUpdated`,
 * `RolloutCompleted`: argoproj/argo-rollouts utils/conditions/conditions.go), Flagger
 * (fluxcd/flagger pkg/controller/events.go), KEDA (`KEDAScaleTargetActivated`:
 * kedacore/keda pkg/eventreason/eventreason.go) and Karpenter (`DisruptionLaunching`:
 * kubernetes-sigs/karpenter pkg/controllers/disruption/events/events.go) record theirs:
 * an UpperCamelCase reason that says what happened, Normal for progress and Warning for
 * what went wrong, and a sentence naming the object and the change.
 */
export const SWITCH_EVENT_REASONS = {
  started: "SwitchStarted",
  trafficMoved: "TrafficMoved",
  succeeded: "SwitchSucceeded",
  rolledBack: "SwitchRolledBack",
  aborted: "SwitchAborted",
  superseded: "SwitchSuperseded",
  failed: "SwitchFailed",
} as const;

type SwitchEventReason = (typeof SWITCH_EVENT_REASONS)[keyof typeof SWITCH_EVENT_REASONS];

/**
 * Each reason's place in a switch: the Event's name is built from the switch and this
 * number, so a step that Step Functions retries writes its Event once, and the names of
 * one switch's Events sort in the order they happen. A switch ends one way only.
 */
const SEQUENCE: Readonly<Record<SwitchEventReason, number>> = {
  SwitchStarted: 1,
  TrafficMoved: 2,
  SwitchSucceeded: 3,
  SwitchRolledBack: 4,
  SwitchAborted: 4,
  SwitchSuperseded: 4,
  SwitchFailed: 4,
};

/** One Event about a switch, as a step builds it; the cluster gateway writes it on the Ingress. */
export interface SwitchEvent {
  readonly reason: SwitchEventReason;
  readonly type: "Normal" | "Warning";
  /** What Switchyard did or failed to do (events.k8s.io/v1 `action`): the move, e.g. `Failover`. */
  readonly action: string;
  /** What a person reads in `kubectl describe`: the move, its cause and the execution's console link. */
  readonly note: string;
  /** When it happened: the Event's eventTime. */
  readonly at: EpochMs;
  /** When the switch was decided (its input's decidedAt): with the reason, it names the Event. */
  readonly switchDecidedAt: EpochMs;
}

/** The object an Event is about, as `kubectl describe` finds its Events (kind, namespace, name and uid). */
interface EventRegarding {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  /** kubectl describe selects the object's Events by uid too (kubectl pkg/describe/describe.go, searchEvents). */
  readonly uid?: string;
  readonly resourceVersion?: string;
}

/**
 * Who reports: `reportingController` must be a qualified name, `reportingInstance` at
 * most 128 characters (kubernetes pkg/apis/core/validation/events.go, legacyValidateEvent).
 */
const SWITCHYARD_REPORTING_CONTROLLER = "switchyard";
const REPORTING_INSTANCE_LIMIT = 128;

/**
 * A note's limit: `NoteLengthLimit = 1024`, compared with Go's len(), so bytes
 * (kubernetes pkg/apis/core/validation/events.go). A longer note is refused with 422.
 */
export const EVENT_NOTE_LIMIT_BYTES = 1024;

/** metadata.name's limit: a DNS subdomain, at most 253 characters. */
const NAME_LIMIT = 253;

/** An events.k8s.io/v1 Event, as the API server's create takes it. */
interface EventsV1Event {
  readonly apiVersion: "events.k8s.io/v1";
  readonly kind: "Event";
  readonly metadata: { readonly name: string; readonly namespace: string };
  readonly eventTime: string;
  readonly reportingController: string;
  readonly reportingInstance: string;
  readonly action: string;
  readonly reason: string;
  readonly type: "Normal" | "Warning";
  readonly note: string;
  readonly regarding: EventRegarding;
}

/**
 * A MicroTime as the API server parses it: RFC 3339 with exactly six fractional digits
 * (apimachinery pkg/apis/meta/v1/micro_time.go: `time.Parse(RFC3339Micro, …)`, layout
 * `2006-01-02T15:04:05.000000Z07:00`). JavaScript's toISOString() has three, which the
 * server refuses (kubernetes/kubernetes PR #141204, still open, describes exactly that).
 */
export function microTime(at: EpochMs): string {
  return `${new Date(at).toISOString().slice(0, -1)}000Z`;
}

/**
 * The Event's name: `<ingress>.<hex>`, as client-go names its Events (`%s.%x` of the
 * object's name and a UnixNano: tools/record/util/util.go GenerateEventName). The hex is
 * the switch's decision time in nanoseconds plus the reason's place in the switch, so
 * the same step retried makes the same name (the create answers AlreadyExists), and
 * names sort in time order.
 */
export function switchEventName(
  ingress: string,
  event: Pick<SwitchEvent, "reason" | "switchDecidedAt">,
): string {
  const hex = (
    BigInt(Math.trunc(event.switchDecidedAt)) * 1_000_000n +
    BigInt(SEQUENCE[event.reason])
  ).toString(16);
  const room = NAME_LIMIT - hex.length - 1;
  // A cut name must still end in an alphanumeric character to stay a DNS subdomain.
  const prefix = ingress.length <= room ? ingress : ingress.slice(0, room).replace(/[^a-z0-9]+$/, "");
  return `${prefix}.${hex}`;
}

/** `text` cut to `limit` UTF-8 bytes on a character boundary, marked with "..." when cut. */
export function clipBytes(text: string, limit: number): string {
  const encoder = new TextEncoder();
  if (encoder.encode(text).length <= limit) {
    return text;
  }
  let kept = "";
  let used = 3;
  for (const char of text) {
    const size = encoder.encode(char).length;
    if (used + size > limit) {
      break;
    }
    kept += char;
    used += size;
  }
  return `${kept}...`;
}

/**
 * A note that fits the API server's limit with its link whole: the text is cut, never
 * the console link at its end.
 */
export function eventNote(text: string, link: string | null): string {
  if (link === null) {
    return clipBytes(text, EVENT_NOTE_LIMIT_BYTES);
  }
  const room = EVENT_NOTE_LIMIT_BYTES - new TextEncoder().encode(link).length - 1;
  return `${clipBytes(text, Math.max(room, 0))} ${link}`;
}

/**
 * The events.k8s.io/v1 Event for `event` on `regarding`. That API, not core/v1, because
 * upstream moved to it: controller-runtime deprecates the core/v1 recorder ("uses the
 * old events API and will be removed in a future release. Please use GetEventRecorder
 * instead", pkg/recorder/recorder.go) and KEDA 2.20 moved its events there
 * (CHANGELOG: "Migrate event recording RBAC from core `events` to `events.k8s.io`", #7781).
 * It is the same storage: `kubectl describe` reads these Events through core/v1.
 * No series: each switch's Event is one occurrence (see docs/operations.md).
 */
export function switchEventObject(input: {
  readonly event: SwitchEvent;
  readonly regarding: EventRegarding;
  readonly reportingInstance: string;
}): EventsV1Event {
  const { event, regarding } = input;
  return {
    apiVersion: "events.k8s.io/v1",
    kind: "Event",
    metadata: { name: switchEventName(regarding.name, event), namespace: regarding.namespace },
    eventTime: microTime(event.at),
    reportingController: SWITCHYARD_REPORTING_CONTROLLER,
    reportingInstance: input.reportingInstance.slice(0, REPORTING_INSTANCE_LIMIT) || "switchyard",
    action: event.action,
    reason: event.reason,
    type: event.type,
    note: clipBytes(event.note, EVENT_NOTE_LIMIT_BYTES),
    regarding,
  };
}
