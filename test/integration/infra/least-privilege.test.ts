import { readFileSync } from "node:fs";
import {
  executionsArnOf,
  type PolicyStatement,
  policyStatements,
  STATE_MACHINE_ACTIONS,
  SWITCHYARD_METRIC_NAMESPACE,
} from "@switchyard/core/deploy";
import { MODE_SWITCH_STEPS } from "@switchyard/core/workflow";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { handler as evaluate } from "../../../functions/evaluate.ts";
import { functionPolicy, HANDLER_AWS_ACTIONS } from "../../../infra/function-policies.ts";
import { CAPACITY_METRIC } from "../../../packages/adapters/src/aws/cloudwatch-capacity-metric.ts";
import { HANDLERS, type HandlerName } from "../../../scripts/handlers.ts";
import { HandlerWorld } from "../../support/handler-world.ts";
import { type IamRequest, isAllowed } from "../../support/iam-evaluator.ts";
import { STATE_MACHINE_ARN } from "../../support/lambda-env.ts";
import { ACCOUNT, FUNCTION_ARNS, REGION, runModeSwitch, TOPIC_ARN } from "../../support/local-workflow.ts";
import { repoPath } from "../../support/paths.ts";
import { sd21FailoverConfig } from "../../support/sd21.ts";

const CLUSTER_ARN = `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/hw-agnostic-infer`;
const ARNS = {
  cluster: CLUSTER_ARN,
  stateMachine: STATE_MACHINE_ARN,
  executions: executionsArnOf(STATE_MACHINE_ARN),
};
const EXECUTION_ARN = `${STATE_MACHINE_ARN.replace(":stateMachine:", ":execution:")}:sd21-failover-202506021408`;

/** The SDK v3 client package of each IAM service prefix the functions use. */
const SDK_PACKAGES: Readonly<Record<string, string>> = {
  cloudtrail: "@aws-sdk/client-cloudtrail",
  cloudwatch: "@aws-sdk/client-cloudwatch",
  ec2: "@aws-sdk/client-ec2",
  eks: "@aws-sdk/client-eks",
  elasticloadbalancing: "@aws-sdk/client-elastic-load-balancing-v2",
  states: "@aws-sdk/client-sfn",
};

/** A command the functions send, as IAM authorizes it: which resource it targets, with which condition keys. */
function requestFor(action: string, input: Readonly<Record<string, unknown>> = {}): IamRequest {
  switch (action) {
    case "eks:DescribeCluster":
      return {
        action,
        resource: `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/${String(input.name ?? "hw-agnostic-infer")}`,
      };
    case "states:StartExecution":
    case "states:ListExecutions":
      return { action, resource: String(input.stateMachineArn ?? STATE_MACHINE_ARN) };
    case "states:DescribeExecution":
    case "states:GetExecutionHistory":
      return { action, resource: String(input.executionArn ?? EXECUTION_ARN) };
    case "cloudwatch:PutMetricData":
      return {
        action,
        resource: "*",
        context: { "cloudwatch:namespace": String(input.Namespace ?? CAPACITY_METRIC.namespace) },
      };
    default:
      // Describe*, GetMetricData: no resource type, IAM evaluates them against "*".
      return { action, resource: "*" };
  }
}

const fixture = (name: string): { time: string } =>
  JSON.parse(readFileSync(repoPath(`test/fixtures/events/${name}.json`), "utf8"));

describe("Least privilege: each function's policy from its handler's awsActions", () => {
  it.each(HANDLERS.map((name) => [name]))(
    "%s: every command it declares is a real SDK command its policy allows",
    async (name) => {
      const actions = HANDLER_AWS_ACTIONS[name as HandlerName];
      const handlerModule = (await import(`../../../functions/${name}.ts`)) as {
        awsActions: readonly string[];
      };
      expect(actions).toEqual(handlerModule.awsActions);
      expect(actions.length).toBeGreaterThan(0);
      const policy = functionPolicy(name as HandlerName, ARNS);
      for (const action of actions) {
        const [service = "", operation = ""] = action.split(":");
        const sdk = (await import(SDK_PACKAGES[service] ?? `no SDK package for ${service}`)) as Record<
          string,
          unknown
        >;
        expect(
          typeof sdk[`${operation}Command`],
          `${action} as ${SDK_PACKAGES[service]} ${operation}Command`,
        ).toBe("function");
        expect(isAllowed(policy, requestFor(action)), `${name} may ${action}`).toBe(true);
      }
      // Nothing it does not declare.
      expect(policy.flatMap((s) => s.actions).sort()).toEqual([...actions].sort());
    },
  );

  it("names no wildcard action in any policy, the state machine's included", () => {
    const policies: PolicyStatement<string>[][] = [
      ...HANDLERS.map((name) => functionPolicy(name, ARNS)),
      policyStatements(STATE_MACHINE_ACTIONS, {
        stepFunctions: Object.values(FUNCTION_ARNS),
        topic: TOPIC_ARN,
      }),
    ];
    for (const statement of policies.flat()) {
      for (const action of statement.actions) {
        expect(action).toMatch(/^[a-z0-9-]+:[A-Za-z0-9]+$/);
      }
    }
  });

  it("scopes what the API can scope: the cluster, the state machine, the metric namespace", () => {
    const policy = functionPolicy("evaluate", ARNS);
    expect(isAllowed(policy, requestFor("eks:DescribeCluster", { name: "someone-elses" }))).toBe(false);
    expect(
      isAllowed(
        policy,
        requestFor("states:StartExecution", { stateMachineArn: `${STATE_MACHINE_ARN}-other` }),
      ),
    ).toBe(false);
    expect(isAllowed(policy, requestFor("states:ListExecutions", { stateMachineArn: "*" }))).toBe(false);
    // Execution-level reads: this state machine's executions, not another's.
    const otherExecution = EXECUTION_ARN.replace(":execution:switchyard", ":execution:other");
    expect(otherExecution).not.toBe(EXECUTION_ARN);
    for (const action of ["states:DescribeExecution", "states:GetExecutionHistory"]) {
      expect(isAllowed(policy, requestFor(action))).toBe(true);
      expect(isAllowed(policy, requestFor(action, { executionArn: otherExecution }))).toBe(false);
    }
    expect(isAllowed(policy, requestFor("cloudwatch:PutMetricData", { Namespace: "AWS/EC2" }))).toBe(false);
    expect(isAllowed(policy, { action: "cloudwatch:PutMetricData", resource: "*" })).toBe(false);
    expect(CAPACITY_METRIC.namespace).toBe(SWITCHYARD_METRIC_NAMESPACE);
    // The steps read the cluster and nothing of Step Functions.
    for (const step of MODE_SWITCH_STEPS) {
      const stepPolicy = functionPolicy(step, ARNS);
      expect(isAllowed(stepPolicy, requestFor("eks:DescribeCluster"))).toBe(true);
      expect(isAllowed(stepPolicy, requestFor("states:StartExecution"))).toBe(false);
      expect(isAllowed(stepPolicy, requestFor("cloudwatch:PutMetricData"))).toBe(false);
    }
  });

  it("lets the state machine invoke exactly the mode-switch steps and publish only to the alert topic", () => {
    expect([...HANDLERS].sort()).toEqual(["evaluate", ...MODE_SWITCH_STEPS].sort());
    const evaluateArn = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:switchyard-test-evaluate`;
    const policy = policyStatements(STATE_MACHINE_ACTIONS, {
      stepFunctions: MODE_SWITCH_STEPS.map((step) => FUNCTION_ARNS[step]),
      topic: TOPIC_ARN,
    });
    for (const step of MODE_SWITCH_STEPS) {
      expect(isAllowed(policy, { action: "lambda:InvokeFunction", resource: FUNCTION_ARNS[step] })).toBe(
        true,
      );
    }
    expect(isAllowed(policy, { action: "lambda:InvokeFunction", resource: evaluateArn })).toBe(false);
    expect(isAllowed(policy, { action: "sns:Publish", resource: TOPIC_ARN })).toBe(true);
    expect(isAllowed(policy, { action: "sns:Publish", resource: `${TOPIC_ARN}-other` })).toBe(false);
  });

  it("refuses an action without a decided scope, a wildcard, or a scope without its ARN", () => {
    expect(() => policyStatements(["s3:GetObject"], ARNS)).toThrow(
      /s3:GetObject has no resource scope in packages\/core\/src\/deploy\/iam-scopes\.ts/,
    );
    expect(() => policyStatements(["elasticloadbalancing:Describe*"], ARNS)).toThrow(
      /wildcard actions are never granted/,
    );
    expect(() => policyStatements(["states:StartExecution"], { cluster: CLUSTER_ARN })).toThrow(
      /needs the stateMachine ARN/,
    );
  });
});

describe("Least privilege: what the functions actually send", () => {
  const world = new HandlerWorld(sd21FailoverConfig());
  beforeAll(() => world.start());
  afterAll(() => world.stop());
  beforeEach(() => {
    world.reset();
    vi.useFakeTimers({ toFake: ["Date"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Every command the stubs received, with its input, as `service:Operation`. */
  function sent(): { action: string; input: Record<string, unknown> }[] {
    const prefixes = [
      ["cloudwatch", world.cloudwatch],
      ["states", world.sfn],
      ["eks", world.eks],
      ["elasticloadbalancing", world.elb],
      ["ec2", world.ec2],
    ] as const;
    return prefixes.flatMap(([prefix, stub]) =>
      stub.calls().map((call) => {
        const command = call.args[0] as unknown as {
          constructor: { name: string };
          input: Record<string, unknown>;
        };
        return {
          action: `${prefix}:${command.constructor.name.replace(/Command$/, "")}`,
          input: command.input,
        };
      }),
    );
  }

  it("evaluate sends only declared, allowed commands on a capacity event, a Spot warning and the schedule", async () => {
    for (const name of ["create-fleet-one-error", "spot-interruption-warning", "scheduled-event"]) {
      const event = fixture(name);
      vi.setSystemTime(Date.parse(event.time) + 40_000);
      await evaluate(event);
    }
    const calls = sent();
    expect(new Set(calls.map((c) => c.action))).toEqual(
      new Set([
        "cloudwatch:GetMetricData",
        "cloudwatch:PutMetricData",
        "ec2:DescribeInstances",
        "eks:DescribeCluster",
        "elasticloadbalancing:DescribeLoadBalancers",
        "elasticloadbalancing:DescribeTags",
        "elasticloadbalancing:DescribeTargetGroups",
        // The Spot warning's reroute is still running at the next event: its input is read
        // to know which loss it answers (a later reroute supersedes it only for a new one).
        "states:DescribeExecution",
        "states:ListExecutions",
        "states:StartExecution",
      ]),
    );
    const policy = functionPolicy("evaluate", ARNS);
    for (const call of calls) {
      expect(HANDLER_AWS_ACTIONS.evaluate).toContain(call.action);
      expect(
        isAllowed(policy, requestFor(call.action, call.input)),
        `${call.action} ${JSON.stringify(call.input).slice(0, 120)}`,
      ).toBe(true);
    }
  });

  it("each step sends only declared, allowed commands through a failover and a rollback", async () => {
    const event = fixture("create-fleet-one-error");
    vi.setSystemTime(Date.parse(event.time) + 40_000);
    await evaluate(event);
    const started = world.started[0];
    world.lbc.lag = 1;
    const switched = await runModeSwitch(world, JSON.parse(started?.input ?? "null"), started?.name ?? "");
    world.reset();
    await evaluate(event);
    const again = world.started[0];
    world.lbc.lag = "never";
    const rolledBack = await runModeSwitch(world, JSON.parse(again?.input ?? "null"), `${again?.name}-2`);

    const invocations = [...switched.invocations, ...rolledBack.invocations];
    expect(new Set(invocations.map((i) => i.step))).toEqual(new Set(MODE_SWITCH_STEPS));
    for (const invocation of invocations) {
      const policy = functionPolicy(invocation.step, ARNS);
      for (const action of invocation.awsActions) {
        expect(HANDLER_AWS_ACTIONS[invocation.step], `${invocation.step} sent ${action}`).toContain(action);
        expect(isAllowed(policy, requestFor(action))).toBe(true);
      }
    }
    expect(invocations.find((i) => i.step === "verify-routing")?.awsActions).toContain(
      "elasticloadbalancing:DescribeRules",
    );
  });
});
