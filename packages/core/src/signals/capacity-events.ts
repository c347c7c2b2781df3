/**
 * The EventBridge events that reach the evaluate Lambda, read as plain data: which kind of
 * event it is, and the capacity signals a CloudTrail record or a Spot warning carries.
 * Everything arrives as `unknown` (it is JSON from outside), so each field is checked
 * before it is used; a field that is missing or of the wrong type is treated as absent.
 */
import {
  type CapacitySignal,
  type EpochMs,
  isCapacityErrorCode,
  type LaunchBlock,
  launchBlockOf,
  type SignalCapacityType,
  SPOT_INTERRUPTION_CODE,
} from "./types.ts";

/** The CloudTrail API calls whose failures are EC2 capacity errors. */
const CAPACITY_API_CALLS = ["CreateFleet", "RunInstances"] as const;
type CapacityApiCall = (typeof CAPACITY_API_CALLS)[number];

/** Why the evaluate Lambda was invoked. */
type EvaluationTrigger =
  | { readonly kind: "schedule"; readonly at: EpochMs; readonly rule: string | null }
  | {
      readonly kind: "cloudtrail";
      readonly at: EpochMs;
      readonly eventName: CapacityApiCall;
      /** Top-level errorCode of the call (RunInstances fails as a whole; CreateFleet reports per item). */
      readonly errorCode: string | null;
    }
  | { readonly kind: "spot-interruption"; readonly at: EpochMs; readonly instanceId: string }
  | { readonly kind: "unknown"; readonly received: string };

/** An EC2 Spot Instance Interruption Warning: the instance goes away about two minutes after `at`. */
export interface SpotInterruption {
  readonly instanceId: string;
  readonly at: EpochMs;
  /** `terminate`, `stop` or `hibernate`. */
  readonly action: string | null;
  /** The warning's resource ARN names the Availability Zone in place of the Region. */
  readonly availabilityZone: string | null;
}

const SCHEDULED = "Scheduled Event";
const CLOUDTRAIL = "AWS API Call via CloudTrail";
const SPOT_WARNING = "EC2 Spot Instance Interruption Warning";

type Json = Readonly<Record<string, unknown>>;

function record(value: unknown): Json | null {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : null;
}

function text(value: unknown): string | null {
  return typeof value === "string" && value.length > 0 ? value : null;
}

function time(value: unknown): EpochMs | null {
  const raw = text(value);
  if (raw === null) return null;
  const parsed = Date.parse(raw);
  return Number.isNaN(parsed) ? null : parsed;
}

/** CloudTrail turns EC2's XML `<item>` lists into JSON: one element is an object, several an array. */
function items(value: unknown): readonly Json[] {
  const list = Array.isArray(value) ? value : [value];
  return list.flatMap((entry) => {
    const item = record(entry);
    return item === null ? [] : [item];
  });
}

function describeReceived(event: unknown): string {
  const envelope = record(event);
  if (envelope === null) {
    const what = Array.isArray(event) ? "an array" : event === null ? "null" : `a ${typeof event}`;
    return `not an EventBridge event: ${what}`;
  }
  const source = text(envelope.source);
  const detailType = text(envelope["detail-type"]);
  if (source === null || detailType === null) {
    const keys = Object.keys(envelope).slice(0, 8).join(", ");
    return `not an EventBridge event: no "source"/"detail-type" (keys: ${keys || "none"})`;
  }
  return `source "${source}", detail-type "${detailType}"`;
}

/**
 * Says which event invoked the evaluate Lambda: the 1-minute schedule, a CloudTrail
 * CreateFleet/RunInstances call, a Spot interruption warning, or something else (with a
 * description of what was received, for the log and the error).
 */
export function classifyEvent(event: unknown): EvaluationTrigger {
  const envelope = record(event);
  const at = time(envelope?.time);
  const source = text(envelope?.source);
  const detailType = text(envelope?.["detail-type"]);
  const detail = record(envelope?.detail);
  if (envelope === null || at === null || detail === null) {
    const why =
      envelope !== null && source !== null && detailType !== null ? " without a valid time or detail" : "";
    return { kind: "unknown", received: `${describeReceived(event)}${why}` };
  }

  if (source === "aws.events" && detailType === SCHEDULED) {
    const resources = Array.isArray(envelope.resources) ? envelope.resources : [];
    return { kind: "schedule", at, rule: text(resources[0]) };
  }
  if (source === "aws.ec2" && detailType === CLOUDTRAIL) {
    const eventName = text(detail.eventName);
    const eventSource = text(detail.eventSource);
    const call = CAPACITY_API_CALLS.find((name) => name === eventName);
    if (eventSource === "ec2.amazonaws.com" && call !== undefined) {
      return {
        kind: "cloudtrail",
        at: time(detail.eventTime) ?? at,
        eventName: call,
        errorCode: text(detail.errorCode),
      };
    }
    return {
      kind: "unknown",
      received: `CloudTrail call ${eventSource ?? "?"} ${eventName ?? "?"}: only ec2.amazonaws.com ${CAPACITY_API_CALLS.join("/")} carry capacity errors`,
    };
  }
  if (source === "aws.ec2" && detailType === SPOT_WARNING) {
    const instanceId = text(detail["instance-id"]);
    if (instanceId !== null) return { kind: "spot-interruption", at, instanceId };
    return { kind: "unknown", received: `${describeReceived(event)} without detail.instance-id` };
  }
  return { kind: "unknown", received: describeReceived(event) };
}

function withoutPrefix(code: string): string {
  return code.replace(/^(Server|Client)\./, "");
}

// EC2's message names the type when the request did not (a launch template chose it):
// "We currently do not have sufficient inf2.xlarge capacity in the Availability Zone you requested (us-east-1a)."
const TYPE_IN_MESSAGE = /sufficient ([a-z][a-z0-9-]*\.[a-z0-9-]+) capacity/i;
const ZONE_IN_MESSAGE = /Availability Zone you requested \(([a-z]{2}(?:-[a-z]+)+-\d+[a-z])\)/;

function instanceTypeInMessage(message: string | null): string | null {
  return message === null ? null : (TYPE_IN_MESSAGE.exec(message)?.[1] ?? null);
}

function zoneInMessage(message: string | null): string | null {
  return message === null ? null : (ZONE_IN_MESSAGE.exec(message)?.[1] ?? null);
}

interface Draft {
  instanceType: string | null;
  code: string;
  availabilityZone: string | null;
  subnetId: string | null;
  capacityType: SignalCapacityType | null;
  count: number;
  detail: string | null;
}

/**
 * EC2's name for a launch's capacity type, as Switchyard reads it: CreateFleet's
 * `lifecycle` (`spot | on-demand | interruptible-capacity-reservation | capacity-block`,
 * EC2 API CreateFleetError) and `DefaultTargetCapacityType`, RunInstances'
 * `MarketType` (`spot | capacity-block | interruptible-capacity-reservation`, absent for
 * on-demand; EC2 API InstanceMarketOptionsRequest). Reservations are neither Spot nor a
 * pool a unit falls back to, so they read as unknown.
 */
function capacityTypeOf(value: unknown): SignalCapacityType | null {
  const name = text(value)?.toLowerCase();
  return name === "spot" ? "spot" : name === "on-demand" ? "on-demand" : null;
}

function toSignal(
  draft: Draft & { instanceType: string },
  at: EpochMs,
  source: CapacitySignal["source"],
): CapacitySignal {
  return {
    instanceType: draft.instanceType,
    at,
    source,
    code: draft.code,
    count: draft.count,
    ...(draft.availabilityZone === null ? {} : { availabilityZone: draft.availabilityZone }),
    ...(draft.capacityType === null ? {} : { capacityType: draft.capacityType }),
    ...(draft.detail === null ? {} : { detail: draft.detail }),
  };
}

/** Whether a code is one this module reads: a capacity error or a launch block. */
function readCode(rawCode: string | null): rawCode is string {
  return rawCode !== null && (isCapacityErrorCode(rawCode) || launchBlockOf(rawCode) !== null);
}

/**
 * The instance types a CreateFleet launched at least one instance of. EC2 lists an
 * offering's error in `errorSet` even when it filled the request from another offering
 * (another zone, another type): `fleetInstanceSet.item[].instanceType` with
 * `instanceIds.item` (EC2 API `CreateFleetInstance`). Karpenter reads a launch as
 * unfulfillable only when no instance came back (aws/karpenter-provider-aws
 * pkg/providers/instance/instance.go: `len(createFleetOutput.Instances) == 0 ||
 * len(...Instances[0].InstanceIds) == 0`), and so does Switchyard, per type.
 */
function launchedTypes(response: Json | null): ReadonlySet<string> {
  const launched = new Set<string>();
  for (const item of items(record(response?.fleetInstanceSet)?.item)) {
    // `instanceIds.item` is one id (a string) or several (an array), as `errorSet.item` is.
    const ids = [record(item.instanceIds)?.item].flat().filter((id) => text(id) !== null).length;
    const overrides = record(record(item.launchTemplateAndOverrides)?.overrides);
    const type = text(item.instanceType) ?? text(overrides?.instanceType);
    if (type !== null && ids > 0) launched.add(type);
  }
  return launched;
}

function createFleetDrafts(detail: Json): Draft[] {
  const response = record(record(detail.responseElements)?.CreateFleetResponse);
  const errors = items(record(response?.errorSet)?.item);
  const launched = launchedTypes(response);
  // Karpenter asks for one capacity type per CreateFleet (aws/karpenter-provider-aws
  // v1.14 pkg/providers/instance/types.go, `DefaultTargetCapacityType`): the request's
  // value stands for an error item that carries no `lifecycle` of its own.
  const request = record(record(detail.requestParameters)?.CreateFleetRequest);
  const requested = capacityTypeOf(record(request?.TargetCapacitySpecification)?.DefaultTargetCapacityType);
  const drafts = new Map<string, Draft>();
  for (const error of errors) {
    const rawCode = text(error.errorCode);
    if (!readCode(rawCode)) continue;
    const message = text(error.errorMessage);
    const overrides = record(record(error.launchTemplateAndOverrides)?.overrides);
    const instanceType = text(overrides?.instanceType) ?? instanceTypeInMessage(message);
    // A partial success: the fleet launched this type elsewhere, so it is not short of it.
    if (instanceType !== null && launched.has(instanceType)) continue;
    const code = withoutPrefix(rawCode);
    const availabilityZone = text(overrides?.availabilityZone) ?? zoneInMessage(message);
    const subnetId = text(overrides?.subnetId);
    const capacityType = capacityTypeOf(error.lifecycle) ?? requested;
    const key = `${instanceType ?? ""}\u0000${code}\u0000${availabilityZone ?? ""}\u0000${subnetId ?? ""}\u0000${capacityType ?? ""}`;
    const known = drafts.get(key);
    if (known === undefined) {
      drafts.set(key, {
        instanceType,
        code,
        availabilityZone,
        subnetId,
        capacityType,
        count: 1,
        detail: message,
      });
    } else {
      known.count += 1;
    }
  }
  return [...drafts.values()];
}

function runInstancesDrafts(detail: Json): Draft[] {
  const rawCode = text(detail.errorCode);
  if (!readCode(rawCode)) return [];
  const message = text(detail.errorMessage);
  const request = record(detail.requestParameters);
  const instanceType = text(request?.instanceType) ?? instanceTypeInMessage(message);
  const availabilityZone =
    text(record(request?.placement)?.availabilityZone) ??
    text(request?.availabilityZone) ??
    zoneInMessage(message);
  // RunInstances asks for Spot with InstanceMarketOptions.MarketType (CloudTrail's
  // lower-camel `instanceMarketOptions.marketType`); without it the launch is on-demand.
  // A launch template can set it instead, and then the record does not show it: unknown.
  const market = record(request?.instanceMarketOptions);
  const capacityType =
    market !== null
      ? capacityTypeOf(market.marketType)
      : record(request?.launchTemplate) === null
        ? "on-demand"
        : null;
  // One failed RunInstances call is one error, whatever minCount/maxCount asked for.
  return [
    {
      instanceType,
      code: withoutPrefix(rawCode),
      availabilityZone,
      subnetId: text(request?.subnetId),
      capacityType,
      count: 1,
      detail: message,
    },
  ];
}

/** The launch errors of a CloudTrail record, split into EC2 capacity errors and launch blocks. */
interface CloudTrailLaunchErrors {
  readonly capacity: readonly CapacitySignal[];
  readonly blocked: readonly LaunchBlock[];
}

const NO_ERRORS: CloudTrailLaunchErrors = { capacity: [], blocked: [] };

/**
 * The launch errors in a CloudTrail CreateFleet or RunInstances event delivered by
 * EventBridge, timed at the call's `eventTime`: capacity errors as one signal per
 * (instance type, error code, Availability Zone) with a count, and quota, subnet and
 * offering refusals (LAUNCH_BLOCK_CODES) as launch blocks. A CreateFleet error counts
 * only when the fleet launched no instance of that type (a partial success is Karpenter
 * working around a zone, not a shortage). A successful call, other errors, and any other
 * event give none; a capacity error that names no instance type is skipped (it cannot be
 * held against a unit), a launch block is kept without one (a quota refuses the call).
 */
export function launchErrorsFromCloudTrail(event: unknown): CloudTrailLaunchErrors {
  const envelope = record(event);
  const detail = record(envelope?.detail);
  if (detail === null || text(detail.eventSource) !== "ec2.amazonaws.com") return NO_ERRORS;
  const at = time(detail.eventTime) ?? time(envelope?.time);
  if (at === null) return NO_ERRORS;
  const eventName = text(detail.eventName);
  const source =
    eventName === "CreateFleet"
      ? "cloudtrail-create-fleet"
      : eventName === "RunInstances"
        ? "cloudtrail-run-instances"
        : null;
  if (source === null) return NO_ERRORS;
  const drafts =
    source === "cloudtrail-create-fleet" ? createFleetDrafts(detail) : runInstancesDrafts(detail);
  const capacity: CapacitySignal[] = [];
  const blocked: LaunchBlock[] = [];
  for (const draft of drafts) {
    const block = launchBlockOf(draft.code);
    if (block !== null) {
      blocked.push({
        kind: block.kind,
        code: draft.code,
        instanceType: draft.instanceType,
        availabilityZone: draft.availabilityZone,
        subnetId: draft.subnetId,
        at,
        source,
        count: draft.count,
        detail: draft.detail,
        fix: block.fix,
      });
    } else if (draft.instanceType !== null) {
      capacity.push(toSignal({ ...draft, instanceType: draft.instanceType }, at, source));
    }
  }
  return { capacity, blocked };
}

/** The capacity errors of `launchErrorsFromCloudTrail`: the ones that count toward a failover. */
export function capacitySignalsFromCloudTrail(event: unknown): readonly CapacitySignal[] {
  return launchErrorsFromCloudTrail(event).capacity;
}

/**
 * The Region an EventBridge event comes from: CloudTrail's `detail.awsRegion`, else the
 * envelope's `region`. Null when neither is set. A bus can receive another Region's
 * events (cross-Region rules, a central monitoring bus), so evaluate checks it against
 * the cluster's Region before counting anything.
 */
/**
 * The EventBridge envelope's `time`: the same on every delivery of one event (a Lambda
 * retry of an async invocation, an EventBridge retry), so a move it starts can be named
 * for it. Null when absent or unreadable.
 */
export function eventTime(event: unknown): EpochMs | null {
  return time(record(event)?.time);
}

export function eventRegion(event: unknown): string | null {
  const envelope = record(event);
  return text(record(envelope?.detail)?.awsRegion) ?? text(envelope?.region);
}

// arn:aws:ec2:us-east-2a:instance/i-1234567890abcdef0: the Region slot holds the zone.
const ZONE_IN_ARN = /^arn:[^:]+:ec2:([a-z]{2}(?:-[a-z]+)+-\d+[a-z]):/;

/**
 * An EC2 instance id as EC2 writes it: `i-` and 8 or 17 lowercase hexadecimal digits
 * (EC2 API reference, "Resource IDs"). Anything else EC2 refuses as
 * InvalidInstanceID.Malformed.
 */
export function isInstanceId(value: string): boolean {
  return /^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/.test(value);
}

/** The instance and time of an EC2 Spot Instance Interruption Warning, or null for any other event. */
export function spotInterruptionInstance(event: unknown): SpotInterruption | null {
  const envelope = record(event);
  if (text(envelope?.source) !== "aws.ec2" || text(envelope?.["detail-type"]) !== SPOT_WARNING) return null;
  const detail = record(envelope?.detail);
  const instanceId = text(detail?.["instance-id"]);
  const at = time(envelope?.time);
  if (instanceId === null || at === null) return null;
  const resources = Array.isArray(envelope?.resources) ? envelope.resources : [];
  const arn = resources.map(text).find((r) => r?.endsWith(`/${instanceId}`)) ?? null;
  return {
    instanceId,
    at,
    action: text(detail?.["instance-action"]),
    availabilityZone: arn === null ? null : (ZONE_IN_ARN.exec(arn)?.[1] ?? null),
  };
}

/**
 * A Spot interruption as a capacity signal, once the instance's type is known. The zone
 * is the warning's own (its ARN names it) or, when the ARN is in the Region form, the
 * instance's `Placement.AvailabilityZone` from DescribeInstances.
 */
export function spotInterruptionSignal(
  interruption: SpotInterruption,
  instanceType: string,
  instanceZone: string | null = null,
): CapacitySignal {
  const zone = interruption.availabilityZone ?? instanceZone;
  return {
    instanceType,
    at: interruption.at,
    source: "spot-interruption",
    code: SPOT_INTERRUPTION_CODE,
    count: 1,
    ...(zone === null ? {} : { availabilityZone: zone }),
    capacityType: "spot",
    detail: `EC2 Spot Instance Interruption Warning for ${interruption.instanceId} (${interruption.action ?? "unknown action"})`,
  };
}
