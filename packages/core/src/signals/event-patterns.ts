import { CAPACITY_ERROR_CODES, LAUNCH_BLOCK_CODES } from "./types.ts";

/**
 * The EventBridge rules that send EC2 capacity trouble to the evaluate function, as the
 * patterns infra deploys and the tests match the fixtures against. The schedule is a
 * separate rule (rate(1 minute)) with no pattern.
 *
 * EventBridge matching (aws/event-ruler): every field named must match; a list of values
 * matches if any does; where the event holds an array (CloudTrail writes several
 * `errorSet.item` as an array, one as an object) the pattern matches if any element does.
 */
export type EventPattern = { readonly [field: string]: EventPattern | readonly PatternValue[] };
export type PatternValue = string | number | boolean | null | { readonly prefix: string };

const CLOUDTRAIL = {
  source: ["aws.ec2"],
  "detail-type": ["AWS API Call via CloudTrail"],
} as const;

/**
 * The launch error codes evaluate reads: capacity errors (counted toward a failover) and
 * quota, subnet and offering refusals (alerted, never counted).
 */
const LAUNCH_ERROR_CODES: readonly string[] = [...CAPACITY_ERROR_CODES, ...Object.keys(LAUNCH_BLOCK_CODES)];

/**
 * CreateFleet (Karpenter, EC2 Auto Scaling) answers HTTP 200 and lists per-offering
 * errors under `responseElements.CreateFleetResponse.errorSet.item`; the rule fires when
 * any item is a launch error evaluate reads. A fulfilled fleet has no errorSet and does
 * not match. A partial success (errors for one zone, instances from another) does match:
 * a pattern cannot compare `errorSet` with `fleetInstanceSet`, so evaluate drops the
 * errors of every type the fleet launched (launchErrorsFromCloudTrail).
 */
export const CREATE_FLEET_CAPACITY_PATTERN: EventPattern = {
  ...CLOUDTRAIL,
  detail: {
    eventSource: ["ec2.amazonaws.com"],
    eventName: ["CreateFleet"],
    responseElements: {
      CreateFleetResponse: { errorSet: { item: { errorCode: [...LAUNCH_ERROR_CODES] } } },
    },
  },
};

/**
 * RunInstances fails as a whole: CloudTrail's top-level errorCode carries the code with
 * EC2's fault prefix, `Server.` for capacity (`Server.InsufficientInstanceCapacity`) and
 * `Client.` for the caller's limits (`Client.VcpuLimitExceeded`); both prefixes and the
 * bare codes are listed, in case a record uses another fault or omits the prefix.
 */
export const RUN_INSTANCES_CAPACITY_PATTERN: EventPattern = {
  ...CLOUDTRAIL,
  detail: {
    eventSource: ["ec2.amazonaws.com"],
    eventName: ["RunInstances"],
    errorCode: [
      ...LAUNCH_ERROR_CODES.map((code) => `Server.${code}`),
      ...LAUNCH_ERROR_CODES.map((code) => `Client.${code}`),
      ...LAUNCH_ERROR_CODES,
    ],
  },
};

/** Two minutes' notice that a Spot instance goes: its unit is about to lose capacity. */
export const SPOT_INTERRUPTION_PATTERN: EventPattern = {
  source: ["aws.ec2"],
  "detail-type": ["EC2 Spot Instance Interruption Warning"],
};

/** Every rule that targets the evaluate function, by the name infra gives the rule. */
export const EVALUATE_EVENT_RULES = {
  CreateFleetCapacityErrors: CREATE_FLEET_CAPACITY_PATTERN,
  RunInstancesCapacityErrors: RUN_INSTANCES_CAPACITY_PATTERN,
  SpotInterruptionWarnings: SPOT_INTERRUPTION_PATTERN,
} as const satisfies Record<string, EventPattern>;

/** The schedule that evaluates every service whether or not an event came. */
export const EVALUATE_SCHEDULE = "rate(1 minute)";
