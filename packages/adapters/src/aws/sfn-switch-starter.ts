import type { Logger } from "@aws-lambda-powertools/logger";
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  type ExecutionListItem,
  GetExecutionHistoryCommand,
  type GetExecutionHistoryCommandOutput,
  paginateListExecutions,
  type SFNClient,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import type { EpochMs, SwitchRecord } from "@switchyard/core";
import type { SwitchRequest, SwitchStart, SwitchStarter } from "@switchyard/core/ports";
import { MODE_SWITCH_STATES } from "@switchyard/core/workflow";
import { AwsCallError } from "../errors.ts";
import { awsErrorName, describeAwsError, isTransientAwsError } from "./aws-fault.ts";
import {
  answeredOf,
  executionArnPrefix,
  oldestStart,
  plannedDemandOf,
  recordOf,
  STATUSES,
} from "./sfn-execution-records.ts";

interface SfnSwitchStarterOptions {
  /** Created once per container, at module scope. */
  readonly client: SFNClient;
  /** `arn:<partition>:states:<region>:<account>:stateMachine:<name>` of the mode-switch workflow. */
  readonly stateMachineArn: string;
  readonly logger?: Logger;
}

/** One execution as DescribeExecution reports it: what `switchyard status` shows of a switch. */
export interface SwitchExecution {
  readonly name: string;
  readonly executionArn: string;
  readonly status: SwitchRecord["status"];
  readonly startedAt: EpochMs;
  /** Unset while it runs. */
  readonly stoppedAt?: EpochMs;
  /** For a FAILED execution, the error its Fail state named (e.g. `RoutingNotAppliedError`, `SwitchSuperseded`). */
  readonly error?: string;
  readonly cause?: string;
}

/** The page ListExecutions answers by default. Executions of every service share the state machine. */
const HISTORY_PAGE = 100;

/**
 * How many executions a read pages back through at most (newest first): a decision's
 * window is read to its start, and `status` looks for the last switch, within this many.
 */
const MAX_HISTORY_EXECUTIONS = 1000;

/** What `lastSwitch` read: this service's switches, newest first, and how far back it looked. */
interface SwitchHistoryRead {
  readonly records: readonly SwitchRecord[];
  /** Executions of the state machine read, of every service. */
  readonly searched: number;
  /** Whether those are the state machine's whole history (ListExecutions had no further page). */
  readonly wholeHistory: boolean;
}

/** Closed without succeeding: whether such an execution moved traffic is read from its history. */
const UNSUCCESSFUL: ReadonlySet<string> = new Set(["FAILED", "TIMED_OUT", "ABORTED"]);

/**
 * How many unsuccessful executions a history read looks into (newest first). The switch
 * cap counts a few an hour; past this many, an execution counts as having moved traffic,
 * which holds back only calm moves.
 */
const MAX_TRAFFIC_LOOKUPS = 10;

/** GetExecutionHistory's largest page; an execution longer than a few pages counts as having moved traffic. */
const EVENTS_PAGE = 1000;
const MAX_EVENT_PAGES = 3;

/**
 * Starts mode-switch executions of the Standard state machine, named for the move so
 * the name is the idempotency key, and reads them back as the service's switch history.
 */
export class SfnSwitchStarter implements SwitchStarter {
  static readonly iamActions = [
    "states:DescribeExecution",
    "states:GetExecutionHistory",
    "states:ListExecutions",
    "states:StartExecution",
  ] as const;

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

  /**
   * This service's executions started at or after `since`, newest first. ListExecutions
   * answers newest first across every service, so it pages back until a page reaches past
   * `since`: one call when the window is quiet, more when other services were busy.
   */
  async history(service: string, since: EpochMs): Promise<readonly SwitchRecord[]> {
    const read = await this.#listExecutions(
      `reading the switch history of ${service}`,
      (executions) => oldestStart(executions) < since,
    );
    const oldest = oldestStart(read.executions);
    if (!read.wholeHistory && oldest > since) {
      this.#logger?.warn("switch history truncated", {
        service,
        since: new Date(since).toISOString(),
        oldestRead: new Date(oldest).toISOString(),
        read: read.executions.length,
      });
    }
    return this.#records(read.executions, service, since);
  }

  /**
   * This service's executions back to its last closed one (what `switchyard status` shows),
   * paging back through at most MAX_HISTORY_EXECUTIONS of the state machine's, and how many
   * were searched, so that "none" can say how far back it looked.
   */
  async lastSwitch(service: string): Promise<SwitchHistoryRead> {
    const read = await this.#listExecutions(`reading the last switch of ${service}`, (executions) =>
      executions.some((item) => item.status !== "RUNNING" && recordOf(item, service).length > 0),
    );
    return {
      records: await this.#records(read.executions, service, 0),
      searched: read.executions.length,
      wholeHistory: read.wholeHistory,
    };
  }

  /** Pages of ListExecutions (every status), newest first, until `enough` or MAX_HISTORY_EXECUTIONS' worth of pages. */
  async #listExecutions(
    purpose: string,
    enough: (executions: readonly ExecutionListItem[]) => boolean,
  ): Promise<{ executions: ExecutionListItem[]; wholeHistory: boolean }> {
    const executions: ExecutionListItem[] = [];
    let pages = 0;
    try {
      for await (const page of paginateListExecutions(
        { client: this.#client, pageSize: HISTORY_PAGE },
        { stateMachineArn: this.#stateMachineArn },
      )) {
        executions.push(...(page.executions ?? []));
        pages += 1;
        if (page.nextToken === undefined) {
          return { executions, wholeHistory: true };
        }
        if (enough(executions) || pages * HISTORY_PAGE >= MAX_HISTORY_EXECUTIONS) {
          return { executions, wholeHistory: false };
        }
      }
    } catch (error) {
      throw this.#callError("ListExecutions", purpose, error);
    }
    return { executions, wholeHistory: true };
  }

  async #records(
    executions: readonly ExecutionListItem[],
    service: string,
    since: EpochMs,
  ): Promise<SwitchRecord[]> {
    const listed = executions
      .flatMap((item) => recordOf(item, service))
      .filter((record) => record.startedAt >= since)
      .sort((a, b) => b.startedAt - a.startedAt);
    const records: SwitchRecord[] = [];
    let lookups = 0;
    for (const record of listed) {
      if (record.status === "RUNNING" && (record.move === "reroute" || record.move === "failover")) {
        records.push(await this.#withInput(record));
        continue;
      }
      if (!UNSUCCESSFUL.has(record.status)) {
        records.push(record);
        continue;
      }
      lookups += 1;
      const reached =
        lookups > MAX_TRAFFIC_LOOKUPS
          ? { movedTraffic: true, planFailed: false }
          : await this.#howFar(`${this.#executionArnPrefix}${record.name}`);
      records.push({ ...record, ...reached });
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
      // used by an execution that has since closed: either way the move is not ours to
      // start, and the caller is told which it was (a FAILED one is not running).
      if (awsErrorName(error) === "ExecutionAlreadyExists") {
        const executionArn = `${this.#executionArnPrefix}${request.name}`;
        const status = await this.#statusOf(executionArn, request.name);
        this.#logger?.info("switch already exists", { execution: request.name, executionArn, status });
        return { started: false, executionArn, status };
      }
      throw this.#callError("StartExecution", `starting execution ${request.name}`, error);
    }
  }

  /** One execution of this state machine, by the name `history` gave it. */
  async execution(name: string): Promise<SwitchExecution> {
    const executionArn = `${this.#executionArnPrefix}${name}`;
    const { output, status } = await this.#describe(executionArn, `reading execution ${name}`);
    return {
      name,
      executionArn: output.executionArn ?? executionArn,
      status,
      startedAt: output.startDate?.getTime() ?? Number.NaN,
      ...(output.stopDate === undefined ? {} : { stoppedAt: output.stopDate.getTime() }),
      ...(output.error === undefined ? {} : { error: output.error }),
      ...(output.cause === undefined ? {} : { cause: output.cause }),
    };
  }

  /**
   * The state a running execution entered last, by its name: GetExecutionHistory newest
   * first (`reverseOrder`), without the data. Null when it has entered none yet.
   */
  async lastStateEntered(name: string): Promise<string | null> {
    const executionArn = `${this.#executionArnPrefix}${name}`;
    try {
      const output = await this.#client.send(
        new GetExecutionHistoryCommand({
          executionArn,
          maxResults: 20,
          reverseOrder: true,
          includeExecutionData: false,
        }),
      );
      return (
        (output.events ?? []).find((event) => event.stateEnteredEventDetails?.name !== undefined)
          ?.stateEnteredEventDetails?.name ?? null
      );
    } catch (error) {
      throw this.#callError("GetExecutionHistory", `reading where execution ${name} is`, error);
    }
  }

  async #statusOf(executionArn: string, name: string): Promise<SwitchRecord["status"]> {
    return (await this.#describe(executionArn, `reading the status of existing execution ${name}`)).status;
  }

  /**
   * A running failover or reroute with what its input (DescribeExecution) says: the
   * demand its decision planned for (`demandRps`, so a correction can tell whether it is
   * stale) and the loss it answers (`causes`, `conditions`: a later evaluation supersedes
   * it for a loss it was not planned for, core's answersNewLoss) — both in supersede.ts.
   * An input without them leaves them unknown: never stale, no new loss. An input that
   * cannot be read leaves the record as listed (logged): the running move then stands,
   * as the decision that started it did.
   */
  async #withInput(record: SwitchRecord): Promise<SwitchRecord> {
    let input: string | undefined;
    try {
      const { output } = await this.#describe(
        `${this.#executionArnPrefix}${record.name}`,
        `reading the input of running execution ${record.name}`,
      );
      input = output.input;
    } catch (error) {
      this.#logger?.warn("running switch's input unreadable", {
        execution: record.name,
        error: error instanceof Error ? error.message : String(error),
      });
      return record;
    }
    const planned = plannedDemandOf(input);
    const answered = answeredOf(input);
    return {
      ...record,
      ...(planned === null ? {} : { plannedRps: planned }),
      ...(answered === null ? {} : { answered }),
    };
  }

  /** DescribeExecution, with a status this adapter knows; `purpose` names the call in its error. */
  async #describe(
    executionArn: string,
    purpose: string,
  ): Promise<{ output: DescribeExecutionCommandOutput; status: SwitchRecord["status"] }> {
    try {
      const output = await this.#client.send(new DescribeExecutionCommand({ executionArn }));
      const status = output.status;
      if (status === undefined || !STATUSES.has(status)) {
        throw new Error(`DescribeExecution answered status ${String(status)}`);
      }
      return { output, status: status as SwitchRecord["status"] };
    } catch (error) {
      throw this.#callError("DescribeExecution", purpose, error);
    }
  }

  /**
   * How far a closed execution got: it moved traffic once the workflow entered VerifyAlb,
   * the state ShiftTraffic goes to only when its Ingress patch succeeded; it failed at Plan
   * when it entered PlanFailed. Read from the execution's events (GetExecutionHistory,
   * `stateEnteredEventDetails.name`), without their data. A history that cannot be read
   * counts as moved: that only holds back a fallback or a rebalance, never a failover.
   */
  async #howFar(executionArn: string): Promise<{ movedTraffic: boolean; planFailed: boolean }> {
    let nextToken: string | undefined;
    let planFailed = false;
    try {
      for (let page = 0; page < MAX_EVENT_PAGES; page += 1) {
        const output: GetExecutionHistoryCommandOutput = await this.#client.send(
          new GetExecutionHistoryCommand({
            executionArn,
            maxResults: EVENTS_PAGE,
            includeExecutionData: false,
            ...(nextToken === undefined ? {} : { nextToken }),
          }),
        );
        const events = output.events ?? [];
        const entered = events.some(
          (event) =>
            event.type === "TaskStateEntered" &&
            event.stateEnteredEventDetails?.name === MODE_SWITCH_STATES.verifyAlb,
        );
        if (entered) return { movedTraffic: true, planFailed: false };
        planFailed ||= events.some(
          (event) =>
            event.type === "FailStateEntered" &&
            event.stateEnteredEventDetails?.name === MODE_SWITCH_STATES.planFailed,
        );
        nextToken = output.nextToken;
        if (nextToken === undefined) return { movedTraffic: false, planFailed };
      }
      return { movedTraffic: true, planFailed: false };
    } catch (error) {
      this.#logger?.warn("execution history unreadable; counted as a switch that moved traffic", {
        executionArn,
        error: describeAwsError(error),
      });
      return { movedTraffic: true, planFailed: false };
    }
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
