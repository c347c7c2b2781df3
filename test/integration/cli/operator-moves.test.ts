import { DescribeClusterCommand } from "@aws-sdk/client-eks";
import { ListStateMachinesCommand } from "@aws-sdk/client-sfn";
import { SWITCHYARD_ANNOTATIONS } from "@switchyard/core/manifests";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { OPERATOR_MOVE_ACTIONS } from "../../../packages/cli/src/commands/operator-moves.ts";
import { runSwitchyard } from "../../support/cli.ts";
import { PATCH_TYPES } from "../../support/kube-api-double.ts";
import { STATE_MACHINE_ARN } from "../../support/lambda-env.ts";
import { listedExecution, OperatorWorld } from "../../support/operator-world.ts";
import { readRepoFile } from "../../support/paths.ts";

const CONFIG = "examples/sd21/switchyard.yaml";
const STACK = ["--state-machine-arn", STATE_MACHINE_ARN];
const REASON = "INC-4211: inf2 pool degraded in us-west-2b";
const NOW = "2026-11-14T21:20:00Z";

const failover = (...args: string[]) =>
  runSwitchyard(["failover", "-c", CONFIG, "-s", "sd21", ...STACK, ...args]);
const fallback = (...args: string[]) =>
  runSwitchyard(["fallback", "-c", CONFIG, "-s", "sd21", ...STACK, ...args]);

/** The AWS calls the command made, as IAM actions. */
function sentActions(world: OperatorWorld): string[] {
  const of = (prefix: string, stub: OperatorWorld["sfn"] | OperatorWorld["eks"]) =>
    stub
      .calls()
      .map((call) => `${prefix}:${(call.args[0] as object).constructor.name.replace(/Command$/, "")}`);
  return [...new Set([...of("eks", world.eks), ...of("states", world.sfn)])].sort();
}

describe("Command: switchyard failover / fallback", () => {
  const world = new OperatorWorld();
  const annotate = (values: Record<string, string>) =>
    world.double.edit("Ingress", "default", "sd21", (ingress) => {
      Object.assign(ingress.metadata.annotations as Record<string, string>, values);
    });
  const startedInput = () => JSON.parse(world.started[0]?.input ?? "null");

  beforeAll(() => world.start());
  afterAll(() => world.stop());
  beforeEach(() => world.reset());

  it("starts the mode-switch workflow named for the move, the operator's reason its cause and only evidence", async () => {
    // Act
    const run = await failover("--reason", REASON);

    // Assess
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(world.started.map((s) => [s.stateMachineArn, s.name])).toEqual([
      [STATE_MACHINE_ARN, "sd21-failover-202611142120"],
    ]);
    const input = startedInput();
    expect(input).toMatchObject({
      executionName: "sd21-failover-202611142120",
      service: "sd21",
      move: "failover",
      from: "cost",
      to: "capacity",
      causes: [],
      urgent: false,
      decidedAt: NOW.replace("Z", ".000Z"),
      triggerSignals: [],
    });
    // Five units, one ready pod each, at maxRps less the 10 % headroom: 446 / 1.1.
    expect(input.demandRps).toBeCloseTo(405.45, 2);
    const why = `an operator asked for a failover: "${REASON}"; planned for 405.5 RPS (what the ready pods serve at their cost-mode KEDA targets; pass --demand to plan for another)`;
    expect(input.reasons).toEqual([why]);
    expect(input.evidence).toEqual([
      { rule: "operator", observed: REASON, threshold: null, passed: true, detail: why },
    ]);
    expect(run.stdout).toContain(
      "started sd21-failover-202611142120: failover of sd21 (Ingress default/sd21) from cost to capacity mode\n",
    );
    expect(run.stdout).toContain(
      "execution: https://us-west-2.console.aws.amazon.com/states/home?region=us-west-2#/v2/executions/details/arn:aws:states:us-west-2:123456789012:execution:switchyard-dev-ModeSwitch:sd21-failover-202611142120",
    );
    // Nothing on the cluster is written: the workflow does that.
    expect(world.double.requests.filter((r) => r.verb !== "get" && r.verb !== "list")).toEqual([]);
    expect(sentActions(world)).toEqual(
      [...OPERATOR_MOVE_ACTIONS.move].filter(
        (a) => a !== "states:DescribeExecution" && a !== "states:GetExecutionHistory",
      ),
    );
  });

  it("finds the stack by --stage from any folder, and uses --profile's credentials, as the other live commands", async () => {
    const machine = "arn:aws:states:eu-west-1:123456789012:stateMachine:switchyard-prod-b-mode-switch";
    world.sfn.on(ListStateMachinesCommand).resolves({
      stateMachines: [
        {
          name: "switchyard-prod-b-mode-switch",
          stateMachineArn: machine,
          type: "STANDARD",
          creationDate: new Date(NOW),
        },
      ],
    });
    const run = await runSwitchyard([
      "failover",
      "-c",
      CONFIG,
      "-s",
      "sd21",
      "--stage",
      "prod-b",
      "--region",
      "eu-west-1",
      "--reason",
      REASON,
    ]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(world.started.map((s) => s.stateMachineArn)).toEqual([machine]);
    const unknown = await runSwitchyard([
      "failover",
      "-c",
      CONFIG,
      "-s",
      "sd21",
      "--stage",
      "prod-b",
      "--profile",
      "no-such-profile",
      "--reason",
      REASON,
    ]);
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toContain("no AWS credentials for --profile no-such-profile");
  });

  it("plans for --demand when given, and says so in the evidence", async () => {
    const run = await failover("--reason", REASON, "--demand", "1200");
    expect(run.code).toBe(0);
    expect(startedInput().demandRps).toBe(1200);
    expect(startedInput().reasons[0]).toContain("planned for 1200 RPS (given with --demand)");
  });

  it("falls back from capacity mode on the operator's word", async () => {
    annotate({
      [SWITCHYARD_ANNOTATIONS.mode]: "capacity",
      [SWITCHYARD_ANNOTATIONS.failoverCause]: "sd21-inf2",
    });
    const run = await fallback("--reason", "INC-4211 resolved");
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(startedInput()).toMatchObject({ move: "fallback", from: "capacity", to: "cost" });
    expect(run.stdout).toContain("started sd21-fallback-202611142120: fallback of sd21");
  });

  it("refuses (exit 5) while a switch of the service runs, names it, and starts nothing", async () => {
    world.executions = [listedExecution("sd21-rebalance-202611142114", "RUNNING", "2026-11-14T21:14:03Z")];
    // A closed execution's history is read for whether it moved traffic; none here.
    const run = await failover("--reason", REASON);
    expect(run.code).toBe(5);
    expect(run.stderr).toBe(
      "switchyard: refused: sd21 has a switch running, sd21-rebalance-202611142114 (a rebalance): one move at a time. Wait for it to end (switchyard status shows it), or stop it with switchyard abort\n",
    );
    expect(world.started).toEqual([]);
  });

  it("refuses (exit 5) against a pin that holds the other mode, and goes with a pin that holds the target mode", async () => {
    annotate({ [SWITCHYARD_ANNOTATIONS.pin]: "cost until 2026-11-15T01:00:00Z" });
    const against = await failover("--reason", REASON);
    expect(against.code).toBe(5);
    expect(against.stderr).toBe(
      'switchyard: refused: sd21 is pinned to cost mode (switchyard.io/pin "cost until 2026-11-15T01:00:00Z"): a failover to capacity mode goes against the pin. Remove it first (switchyard unpin), or pin capacity mode instead (switchyard pin --mode capacity)\n',
    );
    expect(world.started).toEqual([]);

    annotate({ [SWITCHYARD_ANNOTATIONS.pin]: "capacity" });
    const along = await failover("--reason", REASON);
    expect(along.code).toBe(0);
    expect(world.started).toHaveLength(1);
  });

  it("refuses (exit 5) a fallback of a service in cost mode already", async () => {
    const run = await fallback("--reason", "nothing to do");
    expect(run.code).toBe(5);
    expect(run.stderr).toBe(
      "switchyard: refused: sd21 is in cost mode already (switchyard.io/mode, inferred from the action): nothing to fallback\n",
    );
  });

  it("refuses (exit 5) when an execution of that name exists: one move per minute and name", async () => {
    world.executions = [listedExecution("sd21-failover-202611142120", "FAILED", "2026-11-14T21:20:00Z", NOW)];
    const run = await failover("--reason", REASON);
    expect(run.code).toBe(5);
    expect(run.stderr).toContain(
      "an execution named sd21-failover-202611142120 already ran this minute and ended FAILED",
    );
  });

  it("exits 2 on a blank --reason and on a bad --demand, before any AWS call", async () => {
    const blank = await failover("--reason", "  ");
    expect(blank.code).toBe(2);
    expect(blank.stderr).toContain("--reason must say why");
    const demand = await failover("--reason", REASON, "--demand", "-3");
    expect(demand.code).toBe(2);
    expect(demand.stderr).toContain("expected requests per second, a number above 0");
    expect(world.eks.commandCalls(DescribeClusterCommand)).toHaveLength(0);
  });
});

describe("Command: switchyard abort", () => {
  const world = new OperatorWorld();
  const RUNNING = "sd21-failover-202611142117";
  const abort = (...args: string[]) =>
    runSwitchyard(
      ["abort", "-c", CONFIG, "-s", "sd21", ...STACK, ...args],
      {},
      {
        sleep: async () => {
          // Each wait: the execution's step saw the abort and its Rollback ran.
          world.executions = world.executions.map((e) => ({
            ...e,
            status: "FAILED",
            stopDate: new Date(NOW),
          }));
          world.failures[RUNNING] = {
            error: "SwitchAbortedError",
            cause: JSON.stringify({
              errorType: "SwitchAbortedError",
              errorMessage: "an operator aborted it",
            }),
          };
        },
      },
    );
  const annotations = () => ({
    ...(world.double.get("Ingress", "default", "sd21")?.metadata.annotations ?? {}),
  });
  const entered = (state: string) => ({
    timestamp: new Date(NOW),
    type: "TaskStateEntered" as const,
    id: 7,
    stateEnteredEventDetails: { name: state },
  });

  beforeAll(() => world.start());
  afterAll(() => world.stop());
  beforeEach(() => {
    world.reset();
    world.executions = [listedExecution(RUNNING, "RUNNING", "2026-11-14T21:17:02Z")];
    world.events[RUNNING] = [entered("Plan"), entered("ScaleReceivers"), entered("CheckReceivers")];
  });

  it("asks the running switch to stop with a guarded merge patch naming it, waits for its rollback, then clears the request", async () => {
    const before = annotations();
    const read = world.double.get("Ingress", "default", "sd21")?.metadata.resourceVersion;

    const run = await abort("--reason", "wrong pool");

    expect(run.code).toBe(0);
    const patches = world.double.requestsMatching({ verb: "patch", resource: "ingresses" });
    expect(patches.map((p) => [p.contentType, p.body])).toEqual([
      [
        PATCH_TYPES.merge,
        {
          apiVersion: "networking.k8s.io/v1",
          kind: "Ingress",
          metadata: {
            name: "sd21",
            namespace: "default",
            resourceVersion: read,
            annotations: {
              [SWITCHYARD_ANNOTATIONS.abort]: RUNNING,
              [SWITCHYARD_ANNOTATIONS.abortReason]: "wrong pool",
            },
          },
        },
      ],
      [
        PATCH_TYPES.merge,
        expect.objectContaining({
          metadata: expect.objectContaining({
            annotations: { [SWITCHYARD_ANNOTATIONS.abort]: null, [SWITCHYARD_ANNOTATIONS.abortReason]: null },
          }),
        }),
      ],
    ]);
    expect(annotations()).toEqual(before);
    expect(run.stdout).toContain(`abort requested: switchyard.io/abort=${RUNNING} on Ingress default/sd21`);
    expect(run.stdout).toContain(
      `${RUNNING} stopped and rolled back (FAILED, SwitchAbortedError): an operator aborted it\nnext: the controller decides again at its next evaluation (within 1 minute) and may start a failover again while its cause lasts; to hold cost mode, \`switchyard pin --config examples/sd21/switchyard.yaml --service sd21 --mode cost\``,
    );
    expect(sentActions(world)).toEqual([...OPERATOR_MOVE_ACTIONS.abort]);
  });

  it("with --no-wait returns once the request is written, leaving it for the switch to find", async () => {
    const run = await abort("--no-wait");
    expect(run.code).toBe(0);
    expect(annotations()[SWITCHYARD_ANNOTATIONS.abort]).toBe(RUNNING);
    expect(annotations()[SWITCHYARD_ANNOTATIONS.abortReason]).toBeUndefined();
    expect(run.stdout).toContain("not waiting (--no-wait)");
  });

  it("refuses (exit 5) when no switch of the service runs", async () => {
    world.executions = [
      listedExecution(RUNNING, "SUCCEEDED", "2026-11-14T21:17:02Z", "2026-11-14T21:19:40Z"),
    ];
    const run = await abort();
    expect(run.code).toBe(5);
    expect(run.stderr).toBe(
      `switchyard: refused: no switch of sd21 is running: nothing to abort (the last, ${RUNNING}, ended SUCCEEDED)\n`,
    );
    expect(world.double.requestsMatching({ verb: "patch", resource: "ingresses" })).toEqual([]);
  });

  it("refuses (exit 5) a switch past verification: it stands, only its holds are being released", async () => {
    world.events[RUNNING]?.push(
      entered("ShiftTraffic"),
      entered("VerifyAlb"),
      entered("Notify"),
      entered("HoldReceivers"),
    );
    const run = await abort();
    expect(run.code).toBe(5);
    expect(run.stderr).toContain(`${RUNNING} is past the point of abort: it is in HoldReceivers`);
    expect(world.double.requestsMatching({ verb: "patch", resource: "ingresses" })).toEqual([]);
  });

  it("fails (exit 1) when the switch completed before any step saw the abort", async () => {
    const run = await runSwitchyard(
      ["abort", "-c", CONFIG, "-s", "sd21", ...STACK],
      {},
      {
        sleep: async () => {
          world.executions = world.executions.map((e) => ({ ...e, status: "SUCCEEDED" }));
        },
      },
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `${RUNNING} completed before any of its steps saw the abort: the switch stands`,
    );
  });
});

describe("Docs: the operator's IAM in docs/operations.md", () => {
  const table = readRepoFile("docs/operations.md");
  const row = (command: string) =>
    [
      ...(new RegExp(`^\\| ${command} \\| (.*) \\|$`, "m").exec(table)?.[1] ?? "").matchAll(
        /`([a-z]+:\w+)`/g,
      ),
    ].map((m) => m[1]);

  it("lists for failover, fallback and abort the actions their calls need", () => {
    expect(row("`failover`, `fallback`")).toEqual([...OPERATOR_MOVE_ACTIONS.move]);
    expect(row("`abort`")).toEqual([...OPERATOR_MOVE_ACTIONS.abort]);
  });
});
