import type { SwitchyardConfig } from "@switchyard/core";
import { modeSwitchName, policyStatements, STATE_MACHINE_ACTIONS } from "@switchyard/core/deploy";
import {
  MODE_SWITCH_STEPS,
  type ModeSwitchStep,
  modeSwitchTiming,
  modeSwitchWorkflow,
} from "@switchyard/core/workflow";

/**
 * The Standard state machine whose executions are the mode switches: its definition is
 * core's ASL document with the deployed ARNs (the same document the tests execute), its
 * role may invoke exactly the mode-switch steps and publish to the alert topic, and it logs every
 * transition with its data to a log group kept as long as the execution history (90 days).
 */
export function createModeSwitchWorkflow(
  config: SwitchyardConfig,
  steps: Readonly<Record<ModeSwitchStep, sst.aws.Function>>,
  topic: sst.aws.SnsTopic,
): aws.sfn.StateMachine {
  const logGroup = new aws.cloudwatch.LogGroup(
    "ModeSwitchLogs",
    {
      // The /aws/vendedlogs/ prefix keeps CloudWatch Logs' resource policy from growing per log group.
      name: `/aws/vendedlogs/states/${modeSwitchName($app.stage, $app.name)}`,
      retentionInDays: 90,
    },
    { retainOnDelete: $app.removal !== "remove" },
  );

  const stepArns = MODE_SWITCH_STEPS.map((step) => steps[step].arn);
  const role = new aws.iam.Role("ModeSwitchRole", {
    assumeRolePolicy: aws.iam.assumeRolePolicyForPrincipal({ Service: "states.amazonaws.com" }),
  });
  const policy = new aws.iam.RolePolicy("ModeSwitchPolicy", {
    role: role.id,
    policy: $util.all([$util.all(stepArns), topic.arn]).apply(
      ([functions, topicArn]) =>
        aws.iam.getPolicyDocumentOutput({
          statements: policyStatements(STATE_MACHINE_ACTIONS, {
            stepFunctions: functions,
            topic: topicArn,
          }).map((statement) => ({ actions: statement.actions, resources: statement.resources })),
        }).json,
    ),
  });

  const definition = $util.all([$util.all(stepArns), topic.arn]).apply(([functions, topicArn]) =>
    JSON.stringify(
      modeSwitchWorkflow({
        functions: Object.fromEntries(
          MODE_SWITCH_STEPS.map((step, i) => [step, functions[i] as string]),
        ) as Record<ModeSwitchStep, string>,
        topicArn,
        region: config.cluster.region,
        timing: modeSwitchTiming(config),
      }),
    ),
  );

  return new aws.sfn.StateMachine(
    "ModeSwitch",
    {
      // Named by app and stage, one per stage in an account and Region: `switchyard status
      // --stage <stage>` finds it by this name, without the deploy's .sst/outputs.json.
      name: modeSwitchName($app.stage, $app.name),
      type: "STANDARD",
      roleArn: role.arn,
      definition,
      loggingConfiguration: {
        level: "ALL",
        includeExecutionData: true,
        logDestination: $interpolate`${logGroup.arn}:*`,
      },
    },
    // Step Functions checks the role can deliver logs when the machine is created.
    { dependsOn: [policy] },
  );
}
