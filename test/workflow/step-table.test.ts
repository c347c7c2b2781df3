import {
  MODE_SWITCH_STEPS,
  type ModeSwitchStep,
  modeSwitchTable,
  modeSwitchTiming,
  MODE_SWITCH_STATES as S,
} from "@switchyard/core/workflow";
import { describe, expect, it } from "vitest";
import type { AslState } from "../../packages/core/src/workflow/asl.ts";
import { STEP_RESULTS, type StepTableEntry } from "../../packages/core/src/workflow/step-table.ts";
import { SimClock } from "../../packages/sim/src/adapters/sim-clock.ts";
import { StepFunctionsStandIn } from "../../packages/sim/src/adapters/step-functions-stand-in.ts";
import { SimScheduler } from "../../packages/sim/src/run/sim-scheduler.ts";
import {
  executeAsl,
  FUNCTION_ARNS,
  lambdaFunctionError,
  REGION,
  type SnsPublish,
  testWorkflow,
} from "../support/local-workflow.ts";
import {
  SCRIPTED_INPUT,
  type StepScript,
  SUPERSEDED,
  scriptedPlan,
  scriptedSteps,
  usualFieldsMatchTable,
  WAITING,
} from "../support/scripted-steps.ts";
import { sd21Config } from "../support/sd21.ts";

const config = sd21Config();
const table = modeSwitchTable({ region: REGION, timing: modeSwitchTiming(config) });
const document = testWorkflow();
const EXECUTION_NAME = SCRIPTED_INPUT.executionName;
const EXECUTION_ARN = `arn:aws:states:us-west-2:000000000000:execution:switchyard-mode-switch:${EXECUTION_NAME}`;

const ASL_TYPE: Readonly<Record<StepTableEntry["type"], AslState["Type"]>> = {
  invoke: "Task",
  publish: "Task",
  wait: "Wait",
  choice: "Choice",
  fail: "Fail",
  succeed: "Succeed",
};

/** The states an ASL state can go to next: Next, Default, each Choice's and each Catch's. */
function successors(state: AslState): string[] {
  const next = "Next" in state && state.Next !== undefined ? [state.Next] : [];
  const choices = state.Type === "Choice" ? [...state.Choices.map((c) => c.Next ?? ""), state.Default] : [];
  const catches = state.Type === "Task" ? (state.Catch ?? []).map((c) => c.Next) : [];
  return [...next, ...choices, ...catches];
}

describe("Workflow: the step table and the ASL rendered from it", () => {
  it("has the same states, each of the same kind, and the ASL no state the table lacks", () => {
    expect(Object.keys(document.States).sort()).toEqual(Object.keys(table.states).sort());
    expect(Object.keys(table.states).sort()).toEqual(Object.values(S).sort());
    expect(document.StartAt).toBe(table.startAt);
    for (const [name, entry] of Object.entries(table.states)) {
      expect(document.States[name]?.Type, name).toBe(ASL_TYPE[entry.type]);
    }
  });

  it("gives every Task the table's Retry, Catch and Next, and every step its function and result key", () => {
    for (const [name, entry] of Object.entries(table.states)) {
      const state = document.States[name];
      if (entry.type !== "invoke" && entry.type !== "publish") {
        continue;
      }
      expect(state?.Type).toBe("Task");
      if (state?.Type !== "Task") {
        continue;
      }
      expect(state.Retry, name).toEqual(entry.retry);
      expect(state.Catch ?? [], name).toEqual(entry.catch);
      expect(state.Next, name).toBe(entry.next);
      if (entry.type === "invoke") {
        expect(state.Parameters.FunctionName, name).toBe(FUNCTION_ARNS[entry.step]);
        if ("key" in entry.result) {
          const fields = STEP_RESULTS[entry.result.key];
          expect(state.ResultPath, name).toBe(`$.${entry.result.key}`);
          expect(Object.keys(state.ResultSelector ?? {}).sort(), name).toEqual(
            fields.map((f) => `${f}.$`).sort(),
          );
        } else {
          expect("ResultPath" in state, name).toBe(false);
          expect(Object.keys(state.ResultSelector ?? {}), name).toEqual(
            entry.result.replaceState.map((f) => `${f}.$`),
          );
        }
      } else {
        expect(state.Resource, name).toBe("arn:aws:states:::sns:publish");
        expect(state.ResultPath, name).toBeNull();
      }
    }
    // Every step the deploy creates a function for is invoked by some state, and no other.
    const invoked = Object.values(table.states).flatMap((e) => (e.type === "invoke" ? [e.step] : []));
    expect([...new Set(invoked)].sort()).toEqual([...MODE_SWITCH_STEPS].sort());
  });

  it("gives every Choice the table's branches and default, every Wait its time, every Fail its error", () => {
    for (const [name, entry] of Object.entries(table.states)) {
      const state = document.States[name];
      if (entry.type === "choice" && state?.Type === "Choice") {
        // The rules themselves are spelled out in asl-document.test.ts; the runs below take each branch.
        expect(
          state.Choices.map((c) => c.Next),
          name,
        ).toEqual(entry.choices.map((c) => c.next));
        expect(state.Default, name).toBe(entry.otherwise);
      }
      if (entry.type === "wait" && state?.Type === "Wait") {
        expect(state, name).toMatchObject(
          typeof entry.seconds === "number"
            ? { Seconds: entry.seconds }
            : { SecondsPath: entry.seconds.path },
        );
        expect(state.Next, name).toBe(entry.next);
      }
      if (entry.type === "fail" && state?.Type === "Fail") {
        expect(state, name).toMatchObject(
          "text" in entry.error ? { Error: entry.error.text } : { ErrorPath: entry.error.path },
        );
        expect(state.CausePath, name).toBe(entry.cause.path);
      }
    }
  });

  it("reaches every state from Plan, and ends every path in Succeed or Fail", () => {
    const reached = new Set<string>();
    const visit = (name: string): void => {
      if (reached.has(name)) {
        return;
      }
      reached.add(name);
      const state = document.States[name];
      expect(state, `${name} is named as a next state but does not exist`).toBeDefined();
      const next = state === undefined ? [] : successors(state);
      if (next.length === 0) {
        expect(["Succeed", "Fail"]).toContain(state?.Type);
      }
      next.forEach(visit);
    };
    visit(document.StartAt);
    expect([...reached].sort()).toEqual(Object.keys(table.states).sort());
  });

  it("has canned step results with exactly the fields the table keeps (the differential runs below use them)", () => {
    expect(usualFieldsMatchTable()).toBe(true);
  });
});

/** One run, as either engine saw it. */
interface Trace {
  readonly states: readonly string[];
  /** Each Task attempt: the state and the error it raised, or "ok". */
  readonly attempts: readonly string[];
  readonly published: readonly { state: string; subject: string; message: string; attributes: unknown }[];
  readonly end: { readonly status: string; readonly error?: string; readonly cause?: string };
}

interface Sequence {
  readonly steps: StepScript;
  /** SNS refuses every publish of these states with the error named. */
  readonly publishErrors?: Readonly<Record<string, string>>;
}

async function throughAsl(sequence: Sequence): Promise<Trace> {
  const call = scriptedSteps(sequence.steps);
  const stepOfArn = new Map(
    Object.entries(FUNCTION_ARNS).map(([step, arn]) => [arn, step as ModeSwitchStep]),
  );
  const attempts: string[] = [];
  const published: Trace["published"][number][] = [];
  const run = await executeAsl(document, SCRIPTED_INPUT, {
    executionArn: EXECUTION_ARN,
    executionName: EXECUTION_NAME,
    lambdaInvoke: (state) => async (input) => {
      const { FunctionName } = input as { FunctionName: string };
      try {
        const result = await call(stepOfArn.get(FunctionName) as ModeSwitchStep);
        attempts.push(`${state} ok`);
        return { ExecutedVersion: "$LATEST", Payload: result, StatusCode: 200 } as never;
      } catch (error) {
        attempts.push(`${state} ${(error as Error).name}`);
        throw lambdaFunctionError(error);
      }
    },
    snsPublish: (state) => async (input) => {
      const refused = sequence.publishErrors?.[state];
      if (refused !== undefined) {
        attempts.push(`${state} ${refused}`);
        throw Object.assign(new Error(`${refused}: scripted`), { name: refused });
      }
      attempts.push(`${state} ok`);
      const message = input as SnsPublish;
      published.push({
        state,
        subject: message.Subject,
        message: message.Message,
        attributes: Object.fromEntries(
          Object.entries(message.MessageAttributes).map(([k, v]) => [k, v.StringValue]),
        ),
      });
      return { MessageId: "m" } as never;
    },
  });
  return {
    states: run.events.flatMap((e) => (e.type === "StateEntered" ? [e.state.name] : [])),
    attempts,
    published,
    end:
      run.failure === undefined
        ? { status: "SUCCEEDED" }
        : { status: "FAILED", error: run.failure.error, cause: run.failure.cause },
  };
}

async function throughSimulator(
  sequence: Sequence,
): Promise<Trace & { readonly attemptAt: readonly number[] }> {
  const call = scriptedSteps(sequence.steps);
  const clock = new SimClock(Date.parse(SCRIPTED_INPUT.decidedAt));
  const scheduler = new SimScheduler(clock);
  const stepFunctions = new StepFunctionsStandIn({
    config,
    scheduler,
    clock,
    lambdas: Object.fromEntries(MODE_SWITCH_STEPS.map((step) => [step, () => call(step)])) as never,
    topic: (announcement) => {
      const refused = sequence.publishErrors?.[announcement.state];
      if (refused !== undefined) {
        throw Object.assign(new Error(`${refused}: scripted`), { name: refused });
      }
    },
  });
  await stepFunctions.start({ name: EXECUTION_NAME, input: SCRIPTED_INPUT });
  await scheduler.runUntil(clock.now() + 24 * 3_600_000);
  const [execution] = stepFunctions.executions;
  if (execution === undefined) {
    throw new Error("the stand-in started no execution");
  }
  return {
    states: execution.states.map((s) => s.state),
    attempts: execution.attempts.map((a) => `${a.state} ${a.error?.Error ?? "ok"}`),
    attemptAt: execution.attempts.map((a) => (a.at - execution.startedAt) / 1000),
    published: execution.published.map((p) => ({
      state: p.state,
      subject: p.subject,
      message: p.message,
      attributes: p.attributes,
    })),
    end:
      execution.status === "SUCCEEDED"
        ? { status: "SUCCEEDED" }
        : {
            status: execution.status,
            error: execution.error?.Error ?? "",
            cause: execution.error?.Cause ?? "",
          },
  };
}

const SEQUENCES: Readonly<Record<string, Sequence>> = {
  "every step passes, the receivers ready at the second check": {
    steps: { "check-receivers": [WAITING, "ok"] },
  },
  "a TransientError on ShiftTraffic, then success": {
    steps: { "apply-routing": [{ throws: "TransientError" }, "ok"] },
  },
  "a TransientError on ShiftTraffic that outlasts its retries": {
    steps: { "apply-routing": [{ throws: "TransientError" }] },
  },
  "Lambda throttling on ScaleReceivers, then success": {
    steps: {
      "apply-scaling": [
        { throws: "Lambda.TooManyRequestsException" },
        { throws: "Lambda.ServiceException" },
        "ok",
      ],
    },
  },
  "the ALB never shows the weights": {
    steps: { "verify-routing": [{ throws: "RoutingNotAppliedError" }] },
  },
  "the ALB lags, a TransientError between, then the weights show": {
    steps: {
      "verify-routing": [
        { throws: "RoutingNotAppliedError" },
        { throws: "TransientError" },
        { throws: "RoutingNotAppliedError" },
        "ok",
      ],
    },
  },
  "a Load Balancer Controller rejection: no retry": {
    steps: { "verify-routing": [{ throws: "RoutingRejectedError" }] },
  },
  "superseded while waiting for the receivers": {
    steps: { "check-receivers": [WAITING, { throws: "SwitchSupersededError" }], rollback: [SUPERSEDED] },
  },
  "Plan fails": {
    steps: { "plan-switch": [{ throws: "SwitchInputError" }] },
  },
  "ScaleReceivers is forbidden and the Rollback times out": {
    steps: {
      "apply-scaling": [{ throws: "KubernetesForbiddenError" }],
      rollback: [{ throws: "Sandbox.Timedout" }],
    },
  },
  "KEDA never resumes a released unit": {
    steps: { "release-holds": [{ throws: "ScalingNotResumedError" }] },
  },
  "the holds cannot be lifted": {
    steps: { "release-holds": [{ throws: "KubernetesForbiddenError" }] },
  },
  "SNS refuses the switch's Notify": {
    steps: {},
    publishErrors: { [S.notify]: "SNS.AuthorizationErrorException" },
  },
  "SNS throttles the switch's Notify past its retries": {
    steps: {},
    publishErrors: { [S.notify]: "SNS.ThrottledException" },
  },
  "ShiftTraffic returns a result without a field the table keeps": {
    steps: {
      "apply-routing": [
        { result: { changed: true, annotationValue: "{}", patchedAt: "2024-11-14T00:30:30.000Z" } },
      ],
    },
  },
  "a switch with no holds: nothing to release": {
    steps: { "plan-switch": [{ result: { plan: scriptedPlan([]) } }] },
  },
};

describe("Workflow: the simulator's stand-in walks the table as Step Functions runs the ASL", () => {
  it.each(Object.entries(SEQUENCES))("%s: the same states, attempts, alerts and end", async (_, sequence) => {
    const asl = await throughAsl(sequence);
    const { attemptAt: _at, ...simulated } = await throughSimulator(sequence);
    // A States.Runtime cause is each engine's own wording (AWS's names the event id too).
    const wording = (trace: Trace): Trace =>
      trace.end.error === "States.Runtime" ? { ...trace, end: { ...trace.end, cause: "(runtime)" } } : trace;
    expect(wording(simulated)).toEqual(wording(asl));
  });

  it("retries a transient error after the table's delays in sim time, not at once", async () => {
    const run = await throughSimulator(
      SEQUENCES["a TransientError on ShiftTraffic that outlasts its retries"] as Sequence,
    );
    const shifts = run.attempts.flatMap((a, i) =>
      a.startsWith(S.shiftTraffic) ? [run.attemptAt[i] ?? 0] : [],
    );
    // 1 s per Lambda call; TransientError waits 3, 6 and 12 s (IntervalSeconds 3, BackoffRate 2).
    expect(shifts.slice(1).map((t, i) => t - (shifts[i] ?? 0))).toEqual([1 + 3, 1 + 6, 1 + 12]);
    expect(run.states.slice(-4)).toEqual([S.rollback, S.rollbackOutcome, S.notifyFailure, S.switchFailed]);
    expect(run.end).toMatchObject({ status: "FAILED", error: "TransientError" });
  });
});
