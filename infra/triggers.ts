import { EVALUATE_EVENT_RULES, EVALUATE_SCHEDULE } from "@switchyard/core";

/** One EventBridge rule on the default bus that invokes the evaluate function with the event as is. */
function invokeEvaluate(
  name: string,
  evaluate: sst.aws.Function,
  rule: Omit<aws.cloudwatch.EventRuleArgs, "name">,
): aws.cloudwatch.EventRule {
  const created = new aws.cloudwatch.EventRule(name, rule);
  // No `input`: evaluate classifies the event by its envelope (source, detail-type).
  new aws.cloudwatch.EventTarget(`${name}Target`, { rule: created.name, arn: evaluate.arn });
  new aws.lambda.Permission(`${name}Permission`, {
    action: "lambda:InvokeFunction",
    function: evaluate.name,
    principal: "events.amazonaws.com",
    sourceArn: created.arn,
  });
  return created;
}

/**
 * What makes evaluate run: the 1-minute schedule (a raw rule rather than sst.aws.Cron,
 * whose target replaces the event with `{}`, so the handler could not tell a schedule
 * from anything else), CloudTrail's CreateFleet/RunInstances capacity errors (they need a
 * trail with management events in the region), and Spot interruption warnings.
 */
export function createTriggers(evaluate: sst.aws.Function): aws.cloudwatch.EventRule[] {
  return [
    invokeEvaluate("EvaluateSchedule", evaluate, {
      description: "Switchyard: evaluate every service",
      scheduleExpression: EVALUATE_SCHEDULE,
    }),
    ...Object.entries(EVALUATE_EVENT_RULES).map(([name, pattern]) =>
      invokeEvaluate(name, evaluate, {
        description: `Switchyard: ${name} trigger an immediate evaluation`,
        eventPattern: JSON.stringify(pattern),
      }),
    ),
  ];
}
