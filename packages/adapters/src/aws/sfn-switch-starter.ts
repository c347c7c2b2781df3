import type { Logger } from "@aws-lambda-powertools/logger";
import {
  type ExecutionListItem,
  ListExecutionsCommand,
  type ListExecutionsCommandOutput,
  type SFNClient,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import {
  type EpochMs,
  executionName,
  parseExecutionName,
  type SwitchRecord,
  type SwitchRequest,
  type SwitchStart,
  type SwitchStarter,
} from "@switchyard/core";
import { AwsCallError } from "../errors.ts";
import { awsErrorName, describeAwsError, isTransientAwsError } from "./aws-fault.ts";

export interface SfnSwitchStarterOptions {
  /** Created once per container, at module scope. */
  readonly client: SFNClient;
  /** `arn:<partition>:states:<region>:<account>:stateMachine:<name>` of the mode-switch workflow. */
  readonly stateMachineArn: string;
  readonly logger?: Logger;
}

/** ListExecutions' largest page: with a switch cap of a few an hour, far more than a decision looks back on. */
const HISTORY_PAGE = 100;

const STATUSES: ReadonlySet<string> = new Set<SwitchRecord["status"]>([
  "RUNNING",
  "SUCCEEDED",
  "FAILED",
  "TIMED_OUT",
  "ABORTED",
  "PENDING_REDRIVE",
]);

/**
 * Starts mode-switch executions of the Standard state machine, named for the move so
 * the name is the idempotency key, and reads them back as the service's switch history.
 */
export class SfnSwitchStarter implements SwitchStarter {
  static readonly iamActions = ["states:ListExecutions", "states:StartExecution"] as const;

  readonly #client: SFNClient;
  readonly #stateMachineArn: string;
  /** `arn:<partition>:states:<region>:<account>:execution:<stateMachine>:`, to which a name is appended. */
  readonly #executionArnPrefix: string;
  readonly #logger: Logger | undefined;

  constructor(options: SfnSwitchStarterOptions) {
    this.#client = options.client;
    this.#stateMachineArn = options.stateMachineArn;
    this.#executionArnPrefix = executionArnPrefix(options.stateMachineArn);
    this.#logger = options.logger?.createChild({ persistentKeys: { adapter: "SfnSwitchStarter" } });
  }

  async history(service: string, since: EpochMs): Promise<readonly SwitchRecord[]> {
    let page: ListExecutionsCommandOutput;
    try {
      // One call, every status: a decision needs the running execution and the
      // recent finished ones alike, and the state machine's newest 100 cover both.
      page = await this.#client.send(
        new ListExecutionsCommand({ stateMachineArn: this.#stateMachineArn, maxResults: HISTORY_PAGE }),
      );
    } catch (error) {
      throw this.#callError("ListExecutions", `reading the switch history of ${service}`, error);
    }
    const executions = page.executions ?? [];
    const records = executions
      .flatMap((item) => this.#recordOf(item, service))
      .filter((record) => record.startedAt >= since)
      .sort((a, b) => b.startedAt - a.startedAt);

    const oldest = Math.min(
      ...executions.map((item) => item.startDate?.getTime() ?? Number.POSITIVE_INFINITY),
    );
    if (page.nextToken !== undefined && oldest > since) {
      this.#logger?.warn("switch history truncated", {
        service,
        since: new Date(since).toISOString(),
        oldestRead: new Date(oldest).toISOString(),
        read: executions.length,
      });
    }
    return records;
  }

  async start(request: SwitchRequest): Promise<SwitchStart> {
    try {
      const output = await this.#client.send(
        new StartExecutionCommand({
          stateMachineArn: this.#stateMachineArn,
          name: request.name,
          input: JSON.stringify(request.input),
        }),
      );
      const executionArn = output.executionArn ?? `${this.#executionArnPrefix}${request.name}`;
      this.#logger?.info("switch started", { execution: request.name, executionArn });
      return { started: true, executionArn };
    } catch (error) {
      // Another evaluation got there first (same minute, same move), or the name was
      // used by an execution that has since closed: either way the move is not ours to start.
      if (awsErrorName(error) === "ExecutionAlreadyExists") {
        const executionArn = `${this.#executionArnPrefix}${request.name}`;
        this.#logger?.info("switch already exists", { execution: request.name, executionArn });
        return { started: false, executionArn };
      }
      throw this.#callError("StartExecution", `starting execution ${request.name}`, error);
    }
  }

  #recordOf(item: ExecutionListItem, service: string): SwitchRecord[] {
    const { name, status, startDate } = item;
    if (name === undefined || status === undefined || startDate === undefined || !STATUSES.has(status)) {
      return [];
    }
    const parsed = parseExecutionName(name);
    // Compare with the name executionName would give this service: it replaces
    // characters Step Functions refuses and cuts long names, so the raw name may differ.
    if (parsed === null || executionName(service, parsed.move, 0).slice(0, -12) !== name.slice(0, -12)) {
      return [];
    }
    return [
      { name, move: parsed.move, startedAt: startDate.getTime(), status: status as SwitchRecord["status"] },
    ];
  }

  #callError(operation: string, purpose: string, error: unknown): AwsCallError {
    const denied = /AccessDenied/.test(awsErrorName(error));
    const hint = denied
      ? ` Check that the function's role allows states:${operation} on ${this.#stateMachineArn}.`
      : "";
    return new AwsCallError(
      `Step Functions ${operation} failed ${purpose}: ${describeAwsError(error)}.${hint}`,
      {
        retryable: isTransientAwsError(error),
        cause: error,
      },
    );
  }
}

function executionArnPrefix(stateMachineArn: string): string {
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
