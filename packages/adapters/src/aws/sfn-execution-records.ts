/** What an execution's list item, ARN and input JSON say, read without a call to Step Functions. */
import type { ExecutionListItem } from "@aws-sdk/client-sfn";
import type { LossAnswered, SwitchRecord } from "@switchyard/core";
import { executionName, parseExecutionName } from "@switchyard/core/workflow";
import { AwsCallError } from "../errors.ts";

/** The statuses this adapter knows. */
export const STATUSES: ReadonlySet<string> = new Set<SwitchRecord["status"]>([
  "RUNNING",
  "SUCCEEDED",
  "FAILED",
  "TIMED_OUT",
  "ABORTED",
  "PENDING_REDRIVE",
]);

/** The list item as this service's switch record, or none when it is another service's or unknown. */
export function recordOf(item: ExecutionListItem, service: string): SwitchRecord[] {
  const { name, status, startDate } = item;
  if (name === undefined || status === undefined || startDate === undefined || !STATUSES.has(status)) {
    return [];
  }
  const parsed = parseExecutionName(name);
  // Compare with the name executionName would give this service: it replaces
  // characters Step Functions refuses and cuts long names, so the raw name may differ.
  if (
    parsed === null ||
    executionName(service, parsed.move, 0).slice(0, -12) !== name.slice(0, -parsed.stamp.length)
  ) {
    return [];
  }
  return [
    {
      name,
      move: parsed.move,
      startedAt: startDate.getTime(),
      status: status as SwitchRecord["status"],
    },
  ];
}

/** The oldest start among executions read (+Infinity for none). */
export function oldestStart(executions: readonly ExecutionListItem[]): number {
  return Math.min(...executions.map((item) => item.startDate?.getTime() ?? Number.POSITIVE_INFINITY));
}

export function executionArnPrefix(stateMachineArn: string): string {
  const parts = stateMachineArn.split(":");
  const [arn, partition, states, region, account, kind, name] = parts;
  if (
    arn !== "arn" ||
    states !== "states" ||
    kind !== "stateMachine" ||
    !partition ||
    !region ||
    !account ||
    !name
  ) {
    throw new AwsCallError(
      `${stateMachineArn} is not a state machine ARN (expected arn:aws:states:<region>:<account>:stateMachine:<name>); check the state machine ARN the function is given.`,
      { retryable: false },
    );
  }
  return `arn:${partition}:states:${region}:${account}:execution:${name}:`;
}

/** `demandRps` of an execution's input JSON, when it is a finite number. */
export function plannedDemandOf(input: string | undefined): number | null {
  try {
    const parsed: unknown = input === undefined ? null : JSON.parse(input);
    const value =
      parsed !== null && typeof parsed === "object"
        ? (parsed as { demandRps?: unknown }).demandRps
        : undefined;
    return typeof value === "number" && Number.isFinite(value) ? value : null;
  } catch {
    return null;
  }
}

/** The causes and conditions of a switch input (JSON), or null when it does not have them. */
export function answeredOf(input: string | undefined): LossAnswered | null {
  if (input === undefined) return null;
  try {
    const parsed = JSON.parse(input) as { causes?: unknown; conditions?: unknown };
    const causes = Array.isArray(parsed.causes) ? parsed.causes.filter((c) => typeof c === "string") : null;
    const conditions =
      typeof parsed.conditions === "object" && parsed.conditions !== null && !Array.isArray(parsed.conditions)
        ? (parsed.conditions as LossAnswered["conditions"])
        : null;
    return causes === null || conditions === null ? null : { causes, conditions };
  } catch {
    return null;
  }
}
