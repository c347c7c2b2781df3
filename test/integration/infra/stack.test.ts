import { rmSync } from "node:fs";
import { join } from "node:path";
import {
  DEPLOYED_CONFIG_FILE,
  deployedConfigDocument,
  EVALUATE_EVENT_RULES,
  EVALUATE_SCHEDULE,
} from "@switchyard/core";
import {
  dashboardBody,
  evaluateAlarms,
  executionsArnOf,
  modeSwitchAlarms,
  type PolicyStatement,
  policyStatements,
  STATE_MACHINE_ACTIONS,
  SWITCHYARD_METRIC_NAMESPACE,
  SWITCHYARD_METRICS,
} from "@switchyard/core/deploy";
import { kubernetesGroupsOf } from "@switchyard/core/manifests";
import { MODE_SWITCH_STEPS, type ModeSwitchStep } from "@switchyard/core/workflow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { componentName } from "../../../infra/component-name.ts";
import { EVALUATE_RESERVED_CONCURRENCY } from "../../../infra/evaluate-concurrency.ts";
import { functionPolicy } from "../../../infra/function-policies.ts";
import { HANDLERS, type HandlerName } from "../../../scripts/handlers.ts";
import { FUNCTION_ARNS, REGION, TOPIC_ARN, testWorkflow } from "../../support/local-workflow.ts";
import { sd21Config } from "../../support/sd21.ts";
import { ACCOUNT, APP, type RegisteredResource, readZip, runStack, type StackRun } from "./sst-stack.ts";

const config = sd21Config();
const region = config.cluster.region;

/** An IAM statement as AWS stores it, with one-element lists and orders made comparable. */
interface Statement {
  readonly Effect: string;
  readonly Action: string[];
  readonly Resource: string[];
  readonly Condition?: Record<string, Record<string, string[]>>;
}

const asList = (value: unknown): string[] =>
  (Array.isArray(value) ? value.map(String) : [String(value)]).sort();

function parsePolicy(json: unknown): Statement[] {
  const document = JSON.parse(String(json)) as { Version: string; Statement: Record<string, unknown>[] };
  expect(document.Version).toBe("2012-10-17");
  return document.Statement.map((s) => ({
    Effect: String(s.Effect),
    Action: asList(s.Action),
    Resource: asList(s.Resource),
    ...(s.Condition === undefined
      ? {}
      : {
          Condition: Object.fromEntries(
            Object.entries(s.Condition as Record<string, Record<string, unknown>>).map(([test, keys]) => [
              test,
              Object.fromEntries(Object.entries(keys).map(([key, values]) => [key, asList(values)])),
            ]),
          ),
        }),
  }));
}

/** Core's statements as IAM holds them. */
function asIam(statements: PolicyStatement<string>[]): Statement[] {
  return statements.map((s) => ({
    Effect: "Allow",
    Action: [...s.actions].sort(),
    Resource: [...s.resources].sort(),
    ...(s.conditions === undefined
      ? {}
      : {
          Condition: Object.fromEntries(
            s.conditions.map((c) => [c.test, { [c.variable]: [...c.values].sort() }]),
          ),
        }),
  }));
}

/** A trust policy, whether given as JSON (SST's getPolicyDocument) or as an object (assumeRolePolicyForPrincipal). */
const trustOf = (role: RegisteredResource): Record<string, unknown>[] => {
  const policy = role.inputs.assumeRolePolicy;
  const document = (typeof policy === "string" ? JSON.parse(policy) : policy) as {
    Statement: Record<string, unknown>[];
  };
  // A statement's Sid is a label, not a grant.
  return document.Statement.map(({ Sid: _, ...statement }) => statement);
};

const sortStatements = (statements: Statement[]): Statement[] =>
  [...statements].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

describe("Stack: sst.config.ts on SST's components under Pulumi's runtime mocks", () => {
  let stack: StackRun;
  beforeAll(async () => {
    stack = await runStack({ region });
  }, 180_000);
  afterAll(() => {
    rmSync(stack.work, { recursive: true, force: true });
  });

  function all(type: string): RegisteredResource[] {
    return stack.resources.filter((r) => r.type === type);
  }
  function one(type: string, name: string): RegisteredResource {
    const found = stack.resources.filter((r) => r.type === type && r.name === name);
    expect(
      found.map((r) => r.name),
      `${type} ${name}`,
    ).toEqual([name]);
    return found[0] as RegisteredResource;
  }
  const lambda = (name: HandlerName) =>
    one("aws:lambda/function:Function", `${componentName(name)}FunctionFunction`);
  const roleOf = (name: HandlerName): RegisteredResource => {
    const arn = lambda(name).inputs.role;
    const roles = all("aws:iam/role:Role").filter((r) => r.state.arn === arn);
    expect(roles, `${name}'s role`).toHaveLength(1);
    return roles[0] as RegisteredResource;
  };
  const arn = (r: RegisteredResource): string => String(r.state.arn);
  const topic = (): RegisteredResource => {
    const topics = all("aws:sns/topic:Topic");
    expect(topics).toHaveLength(1);
    return topics[0] as RegisteredResource;
  };
  const stateMachine = () => one("aws:sfn/stateMachine:StateMachine", "ModeSwitch");
  const clusterArn = `arn:aws:eks:${region}:${ACCOUNT}:cluster/${config.cluster.name}`;

  it("deploys the mode-switch document the workflow tests execute, with the deployed ARNs", () => {
    // The workflow tests run testWorkflow() with their own ARNs; put the deployed ones in their place.
    expect(region).toBe(REGION);
    let document = JSON.stringify(testWorkflow());
    for (const step of MODE_SWITCH_STEPS) {
      document = document.replaceAll(JSON.stringify(FUNCTION_ARNS[step]), JSON.stringify(arn(lambda(step))));
    }
    document = document.replaceAll(JSON.stringify(TOPIC_ARN), JSON.stringify(arn(topic())));

    const machine = stateMachine();
    expect(JSON.parse(String(machine.inputs.definition))).toEqual(JSON.parse(document));
    expect(machine.inputs.type).toBe("STANDARD");
    const logs = one("aws:cloudwatch/logGroup:LogGroup", "ModeSwitchLogs");
    expect(machine.inputs.loggingConfiguration).toEqual({
      level: "ALL",
      includeExecutionData: true,
      logDestination: `${arn(logs)}:*`,
    });
    expect(logs.inputs.retentionInDays).toBe(90);
    expect(stack.outputs.stateMachine).toBe(arn(machine));
    expect(stack.outputs.alertsTopic).toBe(arn(topic()));
  });

  it("gives each function's role exactly its handler's generated policy, assumable by Lambda only", () => {
    const machineArn = arn(stateMachine());
    for (const name of HANDLERS) {
      const role = roleOf(name);
      const arns =
        name === "evaluate"
          ? { cluster: clusterArn, stateMachine: machineArn, executions: executionsArnOf(machineArn) }
          : { cluster: clusterArn };
      const inline = role.inputs.inlinePolicies as { name: string; policy: string }[];
      expect(
        inline.map((p) => p.name),
        name,
      ).toEqual(["inline"]);
      expect(sortStatements(parsePolicy(inline[0]?.policy)), name).toEqual(
        sortStatements(asIam(functionPolicy(name, arns))),
      );
      // Writing its logs, nothing else managed.
      expect(role.inputs.managedPolicyArns, name).toEqual([
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
      ]);
      expect(trustOf(role), `${name}'s trust policy`).toEqual([
        { Effect: "Allow", Action: "sts:AssumeRole", Principal: { Service: "lambda.amazonaws.com" } },
      ]);
    }
    // No policy is attached to a function's role any other way.
    const functionRoles = new Set(HANDLERS.map((name) => roleOf(name).state.name));
    for (const type of [
      "aws:iam/rolePolicy:RolePolicy",
      "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    ]) {
      expect(all(type).filter((r) => functionRoles.has(r.inputs.role))).toEqual([]);
    }
  });

  it("lets the state machine invoke exactly the mode-switch steps and publish only to the alerts topic", () => {
    const machine = stateMachine();
    const role = one("aws:iam/role:Role", "ModeSwitchRole");
    expect(machine.inputs.roleArn).toBe(arn(role));
    expect(trustOf(role)).toEqual([
      { Effect: "Allow", Action: "sts:AssumeRole", Principal: { Service: "states.amazonaws.com" } },
    ]);
    const policy = one("aws:iam/rolePolicy:RolePolicy", "ModeSwitchPolicy");
    expect(policy.inputs.role).toBe(role.state.name);
    expect(sortStatements(parsePolicy(policy.inputs.policy))).toEqual(
      sortStatements(
        asIam(
          policyStatements(STATE_MACHINE_ACTIONS, {
            stepFunctions: MODE_SWITCH_STEPS.map((step) => arn(lambda(step))),
            topic: arn(topic()),
          }),
        ),
      ),
    );
  });

  it("invokes evaluate on the schedule and on each of core's event patterns, with the event as is", () => {
    const evaluate = lambda("evaluate");
    const rules = all("aws:cloudwatch/eventRule:EventRule");
    expect(rules.map((r) => r.name).sort()).toEqual(
      ["EvaluateSchedule", ...Object.keys(EVALUATE_EVENT_RULES)].sort(),
    );
    expect(one("aws:cloudwatch/eventRule:EventRule", "EvaluateSchedule").inputs.scheduleExpression).toBe(
      EVALUATE_SCHEDULE,
    );
    for (const [name, pattern] of Object.entries(EVALUATE_EVENT_RULES)) {
      const rule = one("aws:cloudwatch/eventRule:EventRule", name);
      expect(JSON.parse(String(rule.inputs.eventPattern)), name).toEqual(pattern);
      expect(rule.inputs.scheduleExpression, name).toBeUndefined();
    }
    for (const rule of rules) {
      const target = one("aws:cloudwatch/eventTarget:EventTarget", `${rule.name}Target`);
      expect(target.inputs, rule.name).toEqual({ rule: rule.state.name, arn: arn(evaluate) });
      const permission = one("aws:lambda/permission:Permission", `${rule.name}Permission`);
      expect(permission.inputs, rule.name).toEqual({
        action: "lambda:InvokeFunction",
        function: evaluate.state.name,
        principal: "events.amazonaws.com",
        sourceArn: arn(rule),
      });
    }
    expect(all("aws:cloudwatch/eventTarget:EventTarget")).toHaveLength(rules.length);
  });

  it("creates the alerts topic and alarms that notify it on ALARM and on OK", () => {
    const topicArn = arn(topic());
    // examples/sd21 names no alerts.email: nobody is subscribed by the stack.
    expect(config.alerts?.email).toBeUndefined();
    expect(all("aws:sns/topicSubscription:TopicSubscription")).toEqual([]);

    const alarms = all("aws:cloudwatch/metricAlarm:MetricAlarm");
    expect(alarms.map((a) => a.name).sort()).toEqual(
      [
        ...evaluateAlarms().map((a) => a.id),
        ...modeSwitchAlarms().map((a) => a.id),
        "LaunchBlockedAlarm",
        "CapacityTrailMissingAlarm",
      ].sort(),
    );
    for (const alarm of alarms) {
      expect(alarm.inputs.alarmActions, alarm.name).toEqual([topicArn]);
      expect(alarm.inputs.okActions, alarm.name).toEqual([topicArn]);
    }
    const evaluateName = lambda("evaluate").state.name;
    for (const { id, ...expected } of evaluateAlarms()) {
      const alarm = one("aws:cloudwatch/metricAlarm:MetricAlarm", id);
      expect(alarm.inputs).toMatchObject({ ...expected, name: `${APP.name}-${APP.stage}-${id}` });
      expect(alarm.inputs.dimensions, id).toEqual({ FunctionName: evaluateName });
    }
    // Failed, aborted and timed-out mode switches, on this stack's state machine.
    const [machine] = all("aws:sfn/stateMachine:StateMachine");
    if (machine === undefined) throw new Error("the stack has no state machine");
    for (const { id, ...expected } of modeSwitchAlarms()) {
      const alarm = one("aws:cloudwatch/metricAlarm:MetricAlarm", id);
      expect(alarm.inputs).toMatchObject({ ...expected, name: `${APP.name}-${APP.stage}-${id}` });
      expect(alarm.inputs.dimensions, id).toEqual({ StateMachineArn: arn(machine) });
    }
    for (const [name, metricName] of [
      ["LaunchBlockedAlarm", SWITCHYARD_METRICS.launchBlocked],
      ["CapacityTrailMissingAlarm", SWITCHYARD_METRICS.trailMissing],
    ] as const) {
      const alarm = one("aws:cloudwatch/metricAlarm:MetricAlarm", name).inputs;
      expect(alarm).toMatchObject({ namespace: SWITCHYARD_METRIC_NAMESPACE, metricName });
      // Its own cluster's series only: another cluster's stack writes the same namespace.
      expect(alarm.dimensions).toEqual({ service: "switchyard", Cluster: config.cluster.name });
    }
  });

  it("publishes core's dashboard for the config under the stage's name, linked from the outputs", () => {
    const dashboard = one("aws:cloudwatch/dashboard:Dashboard", "Dashboard");
    expect(dashboard.inputs.dashboardName).toBe(`${APP.name}-${APP.stage}`);
    expect(JSON.parse(String(dashboard.inputs.dashboardBody))).toEqual(JSON.parse(dashboardBody(config)));
    expect(stack.outputs.dashboard).toBe(
      `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards/dashboard/${APP.name}-${APP.stage}`,
    );
  });

  it("gives each function's role an access entry in the readers' group (and the writers' for a step that patches), and no access policy", () => {
    const entries = all("aws:eks/accessEntry:AccessEntry");
    expect(entries).toHaveLength(HANDLERS.length);
    for (const name of HANDLERS) {
      expect(
        one("aws:eks/accessEntry:AccessEntry", `${componentName(name)}ClusterAccess`).inputs,
        name,
      ).toEqual({
        clusterName: config.cluster.name,
        principalArn: arn(roleOf(name)),
        type: "STANDARD",
        kubernetesGroups: kubernetesGroupsOf(name),
      });
    }
    expect(all("aws:eks/accessPolicyAssociation:AccessPolicyAssociation")).toEqual([]);
    const readers = entries.filter(
      (e) => !(e.inputs.kubernetesGroups as string[]).includes("switchyard-writer"),
    );
    expect(readers.map((e) => e.name).sort()).toEqual(
      [
        "EvaluateClusterAccess",
        "PlanSwitchClusterAccess",
        "CheckReceiversClusterAccess",
        "VerifyRoutingClusterAccess",
      ].sort(),
    );
  });

  it("ships each function its handler and the validated config where the handler reads it", () => {
    const deployed = deployedConfigDocument(config, "examples/sd21/switchyard.yaml");
    for (const name of HANDLERS) {
      const fn = lambda(name);
      expect(fn.inputs).toMatchObject({
        handler: `${name}.handler`,
        runtime: "nodejs24.x",
        architectures: ["arm64"],
        packageType: "Zip",
      });
      const files = readZip(join(stack.work, "artifacts", `${componentName(name)}Function`, "code.zip"));
      const names = [...files.keys()].filter((file) => !file.endsWith("/"));
      expect(names.sort(), name).toEqual([DEPLOYED_CONFIG_FILE, `${name}.mjs`].sort());
      expect(files.get(DEPLOYED_CONFIG_FILE)?.toString("utf8"), name).toBe(deployed);
      const variables = (fn.inputs.environment as { variables: Record<string, string> }).variables;
      expect(variables.POWERTOOLS_SERVICE_NAME, name).toBe("switchyard");
      // Nothing is linked: no resource of the stack is handed to a function through SST.
      expect(
        Object.keys(variables).filter((k) => k.startsWith("SST_RESOURCE_") && k !== "SST_RESOURCE_App"),
      ).toEqual([]);
    }
  });

  it("runs evaluate one at a time and points it at the deployed state machine; the steps know no state machine", () => {
    const evaluate = lambda("evaluate");
    expect(evaluate.inputs.reservedConcurrentExecutions).toBe(EVALUATE_RESERVED_CONCURRENCY);
    const variables = (evaluate.inputs.environment as { variables: Record<string, string> }).variables;
    expect(variables.STATE_MACHINE_ARN).toBe(arn(stateMachine()));
    for (const step of MODE_SWITCH_STEPS satisfies readonly ModeSwitchStep[]) {
      const stepFn = lambda(step);
      expect(stepFn.inputs.reservedConcurrentExecutions, step).toBeUndefined();
      expect(
        (stepFn.inputs.environment as { variables: Record<string, string> }).variables.STATE_MACHINE_ARN,
        step,
      ).toBeUndefined();
    }
  });
});
