import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  type ExecutionListItem,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
  StateMachineDoesNotExist,
} from "@aws-sdk/client-sfn";
import { AwsCallError, SfnSwitchStarter } from "@switchyard/adapters";
import type { Move } from "@switchyard/core";
import { executionName } from "@switchyard/core/workflow";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import "../../support/aws-sdk-matchers.ts";
import { listPage } from "../../support/step-functions-executions.ts";

const STATE_MACHINE = "arn:aws:states:us-west-2:123456789012:stateMachine:switchyard-mode-switch";
const SINCE = Date.parse("2025-06-01T10:00:00Z");
const minutes = (n: number) => SINCE + n * 60_000;

function execution(
  service: string,
  move: Move,
  startedAt: number,
  status: ExecutionListItem["status"] = "SUCCEEDED",
): ExecutionListItem {
  const name = executionName(service, move, startedAt);
  return {
    executionArn: `arn:aws:states:us-west-2:123456789012:execution:switchyard-mode-switch:${name}`,
    stateMachineArn: STATE_MACHINE,
    name,
    status,
    startDate: new Date(startedAt),
  };
}

/**
 * An execution's events as GetExecutionHistory returns them without execution data: each
 * state's Entered/Exited pair (Task states with their Scheduled/Started/Succeeded or
 * Failed), ending FAILED in `failedIn` after Rollback (developer guide, "Execution
 * history events"; HistoryEvent in the Step Functions API reference).
 */
function failedHistory(passed: readonly string[], failedIn: string): HistoryEvent[] {
  const events: HistoryEvent[] = [];
  const push = (event: Omit<HistoryEvent, "id" | "timestamp" | "previousEventId">) =>
    events.push({
      ...event,
      id: events.length + 1,
      previousEventId: events.length,
      timestamp: new Date(SINCE + events.length * 1000),
    } as HistoryEvent);
  push({
    type: "ExecutionStarted",
    executionStartedEventDetails: { roleArn: "arn:aws:iam::123456789012:role/sm" },
  });
  const task = (name: string, outcome: "TaskSucceeded" | "TaskFailed") => {
    push({ type: "TaskStateEntered", stateEnteredEventDetails: { name } });
    push({
      type: "TaskScheduled",
      taskScheduledEventDetails: {
        resourceType: "lambda",
        resource: "invoke",
        region: "us-west-2",
        parameters: "{}",
      },
    });
    push({ type: "TaskStarted", taskStartedEventDetails: { resourceType: "lambda", resource: "invoke" } });
    push(
      outcome === "TaskSucceeded"
        ? { type: "TaskSucceeded", taskSucceededEventDetails: { resourceType: "lambda", resource: "invoke" } }
        : {
            type: "TaskFailed",
            taskFailedEventDetails: {
              resourceType: "lambda",
              resource: "invoke",
              error: "KubernetesForbiddenError",
              cause: "forbidden",
            },
          },
    );
    push({ type: "TaskStateExited", stateExitedEventDetails: { name } });
  };
  for (const name of passed) task(name, "TaskSucceeded");
  task(failedIn, "TaskFailed");
  task("Rollback", "TaskSucceeded");
  task("NotifyFailure", "TaskSucceeded");
  push({ type: "FailStateEntered", stateEnteredEventDetails: { name: "SwitchFailed" } });
  push({
    type: "ExecutionFailed",
    executionFailedEventDetails: { error: "KubernetesForbiddenError", cause: "forbidden" },
  });
  return events;
}

describe("Class: SfnSwitchStarter", () => {
  const sfn = mockClient(SFNClient);
  const client = new SFNClient({ region: "us-west-2" });
  const starter = () => new SfnSwitchStarter({ client, stateMachineArn: STATE_MACHINE });

  afterEach(() => {
    sfn.reset();
  });

  it("reads the history in one ListExecutions call of 100 without a status filter when its page reaches past since", async () => {
    // Prepare
    sfn
      .on(ListExecutionsCommand)
      .resolves({ executions: [execution("sd15", "failover", minutes(-1))], nextToken: "more" });

    // Act
    await starter().history("sd21", SINCE);

    // Assess
    expect(sfn).toHaveReceivedCommandTimes(ListExecutionsCommand, 1);
    expect(sfn.commandCalls(ListExecutionsCommand)[0]?.args[0].input).toEqual({
      stateMachineArn: STATE_MACHINE,
      maxResults: 100,
    });
  });

  it("keeps this service's executions started at or after since, newest first", async () => {
    // Prepare
    sfn.on(ListExecutionsCommand).resolves({
      executions: [
        execution("sd21", "failover", minutes(5), "SUCCEEDED"),
        execution("sd21-canary", "failover", minutes(10), "RUNNING"),
        execution("sd21", "fallback", minutes(30), "RUNNING"),
        execution("sd21", "rebalance", minutes(-1), "SUCCEEDED"),
        execution("sd21", "failover", minutes(0), "FAILED"),
        {
          executionArn: `${STATE_MACHINE.replace("stateMachine", "execution")}:manual-test`,
          stateMachineArn: STATE_MACHINE,
          name: "manual-test",
          status: "SUCCEEDED",
          startDate: new Date(minutes(20)),
        },
      ],
    });

    sfn.on(GetExecutionHistoryCommand).resolves({ events: failedHistory(["Plan"], "ScaleReceivers") });

    // Act
    const history = await starter().history("sd21", SINCE);

    // Assess
    expect(history).toEqual([
      { name: "sd21-fallback-202506011030", move: "fallback", startedAt: minutes(30), status: "RUNNING" },
      { name: "sd21-failover-202506011005", move: "failover", startedAt: minutes(5), status: "SUCCEEDED" },
      {
        name: "sd21-failover-202506011000",
        move: "failover",
        startedAt: minutes(0),
        status: "FAILED",
        movedTraffic: false,
        planFailed: false,
      },
    ]);
  });

  it("pages back to since when other services' executions fill the newest page", async () => {
    // Prepare: 150 executions of sd15 in the last 150 minutes, and before them a failover of
    // sd21 inside the window: the newest 100 alone would hide it from anti-flap.
    const executions = [
      ...Array.from({ length: 150 }, (_, i) => execution("sd15", "rebalance", minutes(300 - i))),
      execution("sd21", "failover", minutes(100)),
      execution("sd21", "fallback", minutes(-10)),
      ...Array.from({ length: 300 }, (_, i) => execution("sd15", "rebalance", minutes(-20 - i))),
    ];
    sfn.on(ListExecutionsCommand).callsFake((input) => listPage(executions, input));

    // Act
    const history = await starter().history("sd21", SINCE);

    // Assess: the failover in the window, and no page read past the one that reached since.
    expect(history).toEqual([
      { name: "sd21-failover-202506011140", move: "failover", startedAt: minutes(100), status: "SUCCEEDED" },
    ]);
    expect(sfn).toHaveReceivedCommandTimes(ListExecutionsCommand, 2);
  });

  it("finds the last switch of a service past the newest page, saying how many executions it searched", async () => {
    // Prepare
    const executions = [
      ...Array.from({ length: 250 }, (_, i) => execution("sd15", "rebalance", minutes(-i))),
      execution("sd21", "failover", minutes(-300)),
    ];
    sfn.on(ListExecutionsCommand).callsFake((input) => listPage(executions, input));

    // Act
    const read = await starter().lastSwitch("sd21");

    // Assess
    expect(read.records).toEqual([
      { name: "sd21-failover-202506010500", move: "failover", startedAt: minutes(-300), status: "SUCCEEDED" },
    ]);
    expect(read).toMatchObject({ searched: 251, wholeHistory: true });
  });

  it("stops looking for the last switch after 1,000 executions and says so", async () => {
    // Prepare
    const executions = Array.from({ length: 1500 }, (_, i) => execution("sd15", "rebalance", minutes(-i)));
    sfn.on(ListExecutionsCommand).callsFake((input) => listPage(executions, input));

    // Act
    const read = await starter().lastSwitch("sd21");

    // Assess
    expect(read).toEqual({ records: [], searched: 1000, wholeHistory: false });
  });

  it("recognises a service whose name executionName had to rewrite", async () => {
    // Prepare
    sfn.on(ListExecutionsCommand).resolves({
      executions: [
        execution("team.sd21", "failover", minutes(1)),
        execution("team-sd21x", "failover", minutes(2)),
      ],
    });

    // Act
    const history = await starter().history("team.sd21", SINCE);

    // Assess
    expect(history.map((record) => record.name)).toEqual(["team-sd21-failover-202506011001"]);
  });

  it("reads each move back from its execution name: a reroute, a repair and a calm rebalance apart", async () => {
    // Prepare
    sfn.on(ListExecutionsCommand).resolves({
      executions: [
        execution("sd21", "reroute", minutes(3), "RUNNING"),
        execution("sd21", "repair", minutes(2)),
        execution("sd21", "rebalance", minutes(1)),
      ],
    });
    sfn
      .on(DescribeExecutionCommand)
      .resolves({ status: "RUNNING", input: JSON.stringify({ demandRps: 1280 }) });

    // Act
    const history = await starter().history("sd21", SINCE);

    // Assess
    expect(history).toEqual([
      {
        name: "sd21-reroute-202506011003",
        move: "reroute",
        startedAt: minutes(3),
        status: "RUNNING",
        plannedRps: 1280,
      },
      { name: "sd21-repair-202506011002", move: "repair", startedAt: minutes(2), status: "SUCCEEDED" },
      { name: "sd21-rebalance-202506011001", move: "rebalance", startedAt: minutes(1), status: "SUCCEEDED" },
    ]);
  });

  it("reads the demand a running reroute planned for from its input, so a correction can tell it is stale", async () => {
    // Prepare
    sfn.on(ListExecutionsCommand).resolves({
      executions: [
        execution("sd21", "reroute", minutes(3), "RUNNING"),
        execution("sd21", "rebalance", minutes(1), "RUNNING"),
      ],
    });
    sfn.on(DescribeExecutionCommand).resolves({ status: "RUNNING", input: '{"service":"sd21"}' });

    // Act
    const history = await starter().history("sd21", SINCE);

    // Assess: an input without demandRps leaves it unknown; only the reroute is described.
    expect(history.map((r) => r.plannedRps)).toEqual([undefined, undefined]);
    expect(sfn).toHaveReceivedCommandTimes(DescribeExecutionCommand, 1);
  });

  it("reads a running reroute's input for the demand it planned and the loss it answers, and a superseding reroute's name to the second", async () => {
    // Prepare
    const running = "sd21-reroute-202506011003";
    const second = "sd21-reroute-20250601100330";
    sfn.on(ListExecutionsCommand).resolves({
      executions: [
        { ...execution("sd21", "reroute", minutes(3) + 30_000, "RUNNING"), name: second },
        execution("sd21", "reroute", minutes(3), "RUNNING"),
      ],
    });
    const conditions = {
      "sd21-inf2": { runningPods: 12, reclaimingPods: 4, reclaimingZones: ["us-west-2a"] },
    };
    sfn.on(DescribeExecutionCommand).callsFake((input: { executionArn?: string }) => ({
      executionArn: input.executionArn,
      status: "RUNNING",
      startDate: new Date(minutes(3)),
      input: JSON.stringify({ service: "sd21", demandRps: 3000, causes: ["sd21-inf2"], conditions }),
    }));

    // Act
    const history = await starter().history("sd21", SINCE);

    // Assess
    expect(history.map((r) => r.name)).toEqual([second, running]);
    expect(history[1]).toEqual({
      name: running,
      move: "reroute",
      startedAt: minutes(3),
      status: "RUNNING",
      plannedRps: 3000,
      answered: { causes: ["sd21-inf2"], conditions },
    });
  });

  it("keeps a running reroute without what it answered when its input cannot be read", async () => {
    // Prepare
    sfn
      .on(ListExecutionsCommand)
      .resolves({ executions: [execution("sd21", "reroute", minutes(3), "RUNNING")] });
    sfn.on(DescribeExecutionCommand).rejects(new Error("AccessDenied"));

    // Act
    const history = await starter().history("sd21", SINCE);

    // Assess
    expect(history).toEqual([
      { name: "sd21-reroute-202506011003", move: "reroute", startedAt: minutes(3), status: "RUNNING" },
    ]);
  });

  it("starts an execution with the request's input as JSON", async () => {
    // Prepare
    const executionArn = `arn:aws:states:us-west-2:123456789012:execution:switchyard-mode-switch:sd21-failover-202506011005`;
    sfn.on(StartExecutionCommand).resolves({ executionArn, startDate: new Date(minutes(5)) });
    const input = { service: "sd21", decision: { kind: "failover", causes: ["sd21-inf2"] } };

    // Act
    const start = await starter().start({ name: "sd21-failover-202506011005", input });

    // Assess
    expect(start).toEqual({ started: true, executionArn });
    expect(sfn).toHaveReceivedCommandExactlyOnceWith(StartExecutionCommand, {
      stateMachineArn: STATE_MACHINE,
      name: "sd21-failover-202506011005",
      input: JSON.stringify(input),
    });
  });

  it.each(["RUNNING", "FAILED"] as const)(
    "returns started false with the ARN and status (%s) of the execution that has the name",
    async (status) => {
      // Prepare
      const executionArn =
        "arn:aws:states:us-west-2:123456789012:execution:switchyard-mode-switch:sd21-failover-202506011005";
      sfn.on(StartExecutionCommand).rejects(
        new ExecutionAlreadyExists({
          message: `Execution Already Exists: '${executionArn}'`,
          $metadata: { httpStatusCode: 400 },
        }),
      );
      sfn.on(DescribeExecutionCommand, { executionArn }).resolves({
        executionArn,
        stateMachineArn: STATE_MACHINE,
        name: "sd21-failover-202506011005",
        status,
        startDate: new Date(minutes(5)),
      });

      // Act
      const start = await starter().start({ name: "sd21-failover-202506011005", input: {} });

      // Assess
      expect(start).toEqual({ started: false, executionArn, status });
    },
  );

  it.each([
    [
      "after ShiftTraffic (VerifyAlb entered): it moved traffic",
      ["Plan", "ScaleReceivers", "CheckReceivers", "ShiftTraffic"],
      "VerifyAlb",
      true,
    ],
    [
      "in CheckReceivers, before ShiftTraffic: it did not",
      ["Plan", "ScaleReceivers"],
      "CheckReceivers",
      false,
    ],
    [
      "in ShiftTraffic itself (its patch refused): it did not",
      ["Plan", "ScaleReceivers", "CheckReceivers"],
      "ShiftTraffic",
      false,
    ],
  ])(
    "reads from its events whether a FAILED execution that failed %s",
    async (_when, passed, failedIn, moved) => {
      // Prepare
      const failed = execution("sd21", "fallback", minutes(3), "FAILED");
      sfn.on(ListExecutionsCommand).resolves({ executions: [failed] });
      sfn
        .on(GetExecutionHistoryCommand, { executionArn: failed.executionArn })
        .resolves({ events: failedHistory(passed, failedIn) });

      // Act
      const history = await starter().history("sd21", SINCE);

      // Assess
      expect(history).toMatchObject([{ status: "FAILED", movedTraffic: moved }]);
      expect(sfn).toHaveReceivedCommandWith(GetExecutionHistoryCommand, {
        executionArn: failed.executionArn,
        includeExecutionData: false,
        maxResults: 1000,
      });
    },
  );

  it("reads a FAILED execution that ended in PlanFailed as a failed plan that moved nothing", async () => {
    // Prepare: Plan failed, its failure was announced, the execution failed in PlanFailed.
    const failed = execution("sd21", "fallback", minutes(3), "FAILED");
    sfn.on(ListExecutionsCommand).resolves({ executions: [failed] });
    const events = failedHistory([], "Plan").filter(
      (e) =>
        e.stateEnteredEventDetails?.name !== "Rollback" &&
        e.stateEnteredEventDetails?.name !== "SwitchFailed",
    );
    events.push({
      id: events.length + 1,
      previousEventId: events.length,
      timestamp: new Date(SINCE),
      type: "FailStateEntered",
      stateEnteredEventDetails: { name: "PlanFailed" },
    });
    sfn.on(GetExecutionHistoryCommand, { executionArn: failed.executionArn }).resolves({ events });

    // Act
    const history = await starter().history("sd21", SINCE);

    // Assess
    expect(history).toMatchObject([{ status: "FAILED", movedTraffic: false, planFailed: true }]);
  });

  it("counts a FAILED execution whose events cannot be read as having moved traffic", async () => {
    // Prepare
    sfn
      .on(ListExecutionsCommand)
      .resolves({ executions: [execution("sd21", "fallback", minutes(3), "FAILED")] });
    sfn.on(GetExecutionHistoryCommand).rejects(
      Object.assign(new Error("not authorized"), {
        name: "AccessDeniedException",
        $fault: "client",
        $metadata: {},
      }),
    );

    // Act
    const history = await starter().history("sd21", SINCE);

    // Assess
    expect(history).toMatchObject([{ status: "FAILED", movedTraffic: true }]);
  });

  it("keeps the partition of the state machine's ARN in the execution's", async () => {
    // Prepare
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: "exists", $metadata: {} }));
    sfn.on(DescribeExecutionCommand).resolves({ status: "RUNNING" });
    const govCloud = new SfnSwitchStarter({
      client,
      stateMachineArn: "arn:aws-us-gov:states:us-gov-west-1:123456789012:stateMachine:switch",
    });

    // Act
    const start = await govCloud.start({ name: "sd21-fallback-202506011005", input: {} });

    // Assess
    expect(start.executionArn).toBe(
      "arn:aws-us-gov:states:us-gov-west-1:123456789012:execution:switch:sd21-fallback-202506011005",
    );
  });

  it("throws a non-retryable AwsCallError carrying the cause when the state machine is gone", async () => {
    // Prepare
    const gone = new StateMachineDoesNotExist({ message: "State Machine Does Not Exist", $metadata: {} });
    sfn.on(StartExecutionCommand).rejects(gone);

    // Act
    const error = await starter()
      .start({ name: "sd21-failover-202506011005", input: {} })
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error).toMatchObject({ retryable: false, cause: gone, code: "AWS_CALL_FAILED" });
    expect((error as Error).message).toMatch(
      /StartExecution failed starting execution sd21-failover-202506011005/,
    );
  });

  it("throws a retryable AwsCallError when ListExecutions is throttled", async () => {
    // Prepare
    const throttled = Object.assign(new Error("Rate exceeded"), {
      name: "ThrottlingException",
      $fault: "client",
      $metadata: { httpStatusCode: 400 },
    });
    sfn.on(ListExecutionsCommand).rejects(throttled);

    // Act
    const error = await starter()
      .history("sd21", SINCE)
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error).toMatchObject({ retryable: true, cause: throttled });
  });

  it("describes one execution by name: its ARN, status, times and the error it failed with", async () => {
    // Prepare: DescribeExecution of a FAILED execution carries its Fail state's error and cause.
    const name = "sd21-failover-202506011005";
    const executionArn = `arn:aws:states:us-west-2:123456789012:execution:switchyard-mode-switch:${name}`;
    sfn.on(DescribeExecutionCommand, { executionArn }).resolves({
      executionArn,
      stateMachineArn: STATE_MACHINE,
      name,
      status: "FAILED",
      startDate: new Date(minutes(5)),
      stopDate: new Date(minutes(11)),
      input: "{}",
      error: "RoutingNotAppliedError",
      cause: "the ALB did not show the weights",
    });

    // Act
    const described = await starter().execution(name);

    // Assess
    expect(described).toEqual({
      name,
      executionArn,
      status: "FAILED",
      startedAt: minutes(5),
      stoppedAt: minutes(11),
      error: "RoutingNotAppliedError",
      cause: "the ALB did not show the weights",
    });
  });

  it("throws an AwsCallError naming the execution when DescribeExecution fails", async () => {
    sfn.on(DescribeExecutionCommand).rejects(
      Object.assign(new Error("User is not authorized to perform: states:DescribeExecution"), {
        name: "AccessDeniedException",
        $fault: "client",
        $metadata: { httpStatusCode: 400 },
      }),
    );

    const error = await starter()
      .execution("sd21-fallback-202506011005")
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AwsCallError);
    expect((error as Error).message).toMatch(
      /DescribeExecution failed reading execution sd21-fallback-202506011005: .*states:DescribeExecution on arn:aws:states:/,
    );
  });

  it("refuses an ARN that is not a state machine's", () => {
    expect(
      () =>
        new SfnSwitchStarter({
          client,
          stateMachineArn: "arn:aws:lambda:us-west-2:123456789012:function:evaluate",
        }),
    ).toThrow(/is not a state machine ARN/);
  });

  it("declares the IAM actions it calls", () => {
    expect(SfnSwitchStarter.iamActions).toEqual([
      "states:DescribeExecution",
      "states:GetExecutionHistory",
      "states:ListExecutions",
      "states:StartExecution",
    ]);
  });
});
