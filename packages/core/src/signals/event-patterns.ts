import { CAPACITY_ERROR_CODES } from "./types.ts";

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
 * CreateFleet (Karpenter, EC2 Auto Scaling) answers HTTP 200 and lists per-offering
 * errors under `responseElements.CreateFleetResponse.errorSet.item`; the rule fires when
 * any item is a capacity error. A fulfilled fleet has no errorSet and does not match.
 */
export const CREATE_FLEET_CAPACITY_PATTERN: EventPattern = {
  ...CLOUDTRAIL,
  detail: {
    eventSource: ["ec2.amazonaws.com"],
    eventName: ["CreateFleet"],
    responseElements: {
      CreateFleetResponse: { errorSet: { item: { errorCode: [...CAPACITY_ERROR_CODES] } } },
    },
  },
};

/**
 * RunInstances fails as a whole: CloudTrail's top-level errorCode carries the code with
 * EC2's `Server.` prefix (`Server.InsufficientInstanceCapacity`); the bare codes are
 * listed too in case a record omits the prefix.
 */
export const RUN_INSTANCES_CAPACITY_PATTERN: EventPattern = {
  ...CLOUDTRAIL,
  detail: {
    eventSource: ["ec2.amazonaws.com"],
    eventName: ["RunInstances"],
    errorCode: [...CAPACITY_ERROR_CODES.map((code) => `Server.${code}`), ...CAPACITY_ERROR_CODES],
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
