import { SwitchyardError } from "../errors.ts";
import { SWITCHYARD_METRIC_NAMESPACE } from "./metric-namespace.ts";

/**
 * Which resources each IAM action Switchyard uses may be granted on: the one mapping the
 * deploy builds every policy from and the tests evaluate. An action missing here cannot be
 * granted, so a new `iamActions` entry fails the build of the policy until its scope is
 * decided. No statement ever names an action with a wildcard.
 */

/** A resource a statement can be scoped to, or `any` where the API has no resource type. */
type ResourceScope = "cluster" | "stateMachine" | "executions" | "topic" | "stepFunctions" | "any";

interface IamCondition {
  readonly test: "StringEquals";
  readonly variable: string;
  readonly values: readonly string[];
}

interface ActionScope {
  readonly scope: ResourceScope;
  readonly condition?: IamCondition;
  /** Why the scope is what it is (for `any`: the service authorization reference's word). */
  readonly why: string;
}

const DESCRIBE_ONLY =
  "the Describe* actions of this service support no resource-level permissions; they only read";

const IAM_ACTION_SCOPES: Readonly<Record<string, ActionScope>> = {
  "eks:DescribeCluster": { scope: "cluster", why: "the endpoint and CA of the configured cluster only" },
  "states:StartExecution": { scope: "stateMachine", why: "starts mode switches of this stack only" },
  "states:ListExecutions": { scope: "stateMachine", why: "reads this state machine's history only" },
  // Execution-level actions take the execution ARN (service authorization reference, Step Functions: resource type "execution").
  "states:DescribeExecution": {
    scope: "executions",
    why: "the status of this state machine's executions only (arn:...:execution:<stateMachine>:*)",
  },
  "states:GetExecutionHistory": {
    scope: "executions",
    why: "the events of this state machine's executions only (arn:...:execution:<stateMachine>:*)",
  },
  "cloudwatch:PutMetricData": {
    scope: "any",
    condition: {
      test: "StringEquals",
      variable: "cloudwatch:namespace",
      values: [SWITCHYARD_METRIC_NAMESPACE],
    },
    why: "PutMetricData has no resource type; the cloudwatch:namespace condition (its one condition key) keeps it to Switchyard's namespace, and the Cluster dimension keeps each cluster's series apart in it",
  },
  "cloudwatch:GetMetricData": { scope: "any", why: "GetMetricData supports no resource-level permissions" },
  "ec2:DescribeInstances": { scope: "any", why: DESCRIBE_ONLY },
  // The account's trails are not Switchyard's and their ARNs are not known at deploy; all three only read.
  "cloudtrail:DescribeTrails": { scope: "any", why: "DescribeTrails supports no resource-level permissions" },
  "cloudtrail:GetTrailStatus": {
    scope: "any",
    why: "reads whether a trail logs; the trails (any name, organization trails included) are not known at deploy",
  },
  "cloudtrail:GetEventSelectors": {
    scope: "any",
    why: "reads which events a trail logs; the trails are not known at deploy",
  },
  "elasticloadbalancing:DescribeLoadBalancers": { scope: "any", why: DESCRIBE_ONLY },
  "elasticloadbalancing:DescribeTags": { scope: "any", why: DESCRIBE_ONLY },
  "elasticloadbalancing:DescribeTargetGroups": { scope: "any", why: DESCRIBE_ONLY },
  "elasticloadbalancing:DescribeListeners": { scope: "any", why: DESCRIBE_ONLY },
  "elasticloadbalancing:DescribeRules": { scope: "any", why: DESCRIBE_ONLY },
  "elasticloadbalancing:DescribeTargetHealth": { scope: "any", why: DESCRIBE_ONLY },
  // The state machine's own role.
  "lambda:InvokeFunction": { scope: "stepFunctions", why: "the mode-switch steps, nothing else" },
  "sns:Publish": { scope: "topic", why: "the alert topic of this stack" },
  // Step Functions' vended log delivery (developer guide, "IAM policies for CloudWatch Logs").
  "logs:CreateLogDelivery": {
    scope: "any",
    why: "log delivery actions support no resource-level permissions",
  },
  "logs:GetLogDelivery": { scope: "any", why: "log delivery actions support no resource-level permissions" },
  "logs:UpdateLogDelivery": {
    scope: "any",
    why: "log delivery actions support no resource-level permissions",
  },
  "logs:DeleteLogDelivery": {
    scope: "any",
    why: "log delivery actions support no resource-level permissions",
  },
  "logs:ListLogDeliveries": {
    scope: "any",
    why: "log delivery actions support no resource-level permissions",
  },
  "logs:PutResourcePolicy": {
    scope: "any",
    why: "log delivery actions support no resource-level permissions",
  },
  "logs:DescribeResourcePolicies": {
    scope: "any",
    why: "log delivery actions support no resource-level permissions",
  },
  "logs:DescribeLogGroups": {
    scope: "any",
    why: "log delivery actions support no resource-level permissions",
  },
};

/** What the state machine's role calls itself: invoke the steps, publish alerts, deliver its logs. */
export const STATE_MACHINE_ACTIONS: readonly string[] = [
  "lambda:InvokeFunction",
  "sns:Publish",
  "logs:CreateLogDelivery",
  "logs:GetLogDelivery",
  "logs:UpdateLogDelivery",
  "logs:DeleteLogDelivery",
  "logs:ListLogDeliveries",
  "logs:PutResourcePolicy",
  "logs:DescribeResourcePolicies",
  "logs:DescribeLogGroups",
];

/**
 * The ARNs a policy may name. Generic so the deploy can pass Pulumi outputs and the
 * tests plain strings; a scope a policy needs but is not given is an error.
 */
export interface ScopeArns<A> {
  readonly cluster?: A;
  readonly stateMachine?: A;
  /** `arn:<partition>:states:<region>:<account>:execution:<stateMachine>:*`: see `executionsArnOf`. */
  readonly executions?: A;
  readonly topic?: A;
  readonly stepFunctions?: readonly A[];
}

/** The ARN pattern of a state machine's executions, which execution-level actions are scoped to. */
export function executionsArnOf(stateMachineArn: string): string {
  return `${stateMachineArn.replace(":stateMachine:", ":execution:")}:*`;
}

/** One IAM statement in the shape of SST's `permissions` and Pulumi's `getPolicyDocument`. */
export interface PolicyStatement<A> {
  readonly actions: string[];
  readonly resources: (A | "*")[];
  readonly conditions?: IamCondition[];
}

/** A policy was asked for an action nobody decided the scope of, or for a scope without its ARN. */
function unscoped(message: string): SwitchyardError {
  return new SwitchyardError(message, { code: "IAM_ACTION_UNSCOPED" });
}

function resourcesFor<A>(action: string, scope: ResourceScope, arns: ScopeArns<A>): (A | "*")[] {
  if (scope === "any") {
    return ["*"];
  }
  const given = scope === "stepFunctions" ? arns.stepFunctions : arns[scope];
  if (given === undefined || (Array.isArray(given) && given.length === 0)) {
    throw unscoped(`${action} needs the ${scope} ARN to be scoped to, and none was given`);
  }
  return Array.isArray(given) ? [...given] : [given as A];
}

/**
 * The least-privilege statements for `actions`: one statement per scope (and condition),
 * each naming its actions exactly and only the resources of its scope.
 */
export function policyStatements<A>(actions: readonly string[], arns: ScopeArns<A>): PolicyStatement<A>[] {
  const groups = new Map<string, { scope: ActionScope; actions: string[] }>();
  for (const action of [...new Set(actions)].sort()) {
    if (action.includes("*")) {
      throw unscoped(`${action}: wildcard actions are never granted; name each action`);
    }
    const scope = IAM_ACTION_SCOPES[action];
    if (scope === undefined) {
      throw unscoped(
        `${action} has no resource scope in packages/core/src/deploy/iam-scopes.ts; add it there before a function may call it`,
      );
    }
    const key = `${scope.scope}|${JSON.stringify(scope.condition ?? null)}`;
    const group = groups.get(key);
    if (group === undefined) {
      groups.set(key, { scope, actions: [action] });
    } else {
      group.actions.push(action);
    }
  }
  return [...groups.values()].map(({ scope, actions: grouped }) => ({
    actions: grouped,
    resources: resourcesFor(grouped[0] ?? "", scope.scope, arns),
    ...(scope.condition === undefined
      ? {}
      : { conditions: [{ ...scope.condition, values: [...scope.condition.values] }] }),
  }));
}
