import { DEPLOYED_CONFIG_FILE } from "@switchyard/core";
import { EVALUATE_METRICS_SERVICE, executionsArnOf, type PolicyStatement } from "@switchyard/core/deploy";
import { MODE_SWITCH_STEPS, type ModeSwitchStep } from "@switchyard/core/workflow";
import type { HandlerName } from "../scripts/handlers.ts";
import { componentName } from "./component-name.ts";
import { EVALUATE_RESERVED_CONCURRENCY } from "./evaluate-concurrency.ts";
import { FUNCTION_BUNDLING, FUNCTION_RUNTIME } from "./function-bundling.ts";
import { functionPolicy } from "./function-policies.ts";

type Memory = `${number} MB`;
type Timeout = `${number} seconds`;

/**
 * Memory buys CPU on Lambda, and a cold start of these bundles (AWS SDK clients and
 * @kubernetes/client-node) is mostly CPU-bound module loading, so the functions on the
 * failover path get enough to start fast; timeouts sit just above the slowest honest
 * run so a hung call fails into the workflow's Retry/Catch instead of idling.
 */
const SIZING: Readonly<Record<HandlerName, { readonly memory: Memory; readonly timeout: Timeout }>> = {
  // Every minute: one GetMetricData of up to 500 queries, four Kubernetes reads, one
  // ListExecutions (and a GetExecutionHistory per recent failed switch), maybe a
  // StartExecution. Under the 60 s schedule; reserved concurrency 1 (below) keeps
  // runs from overlapping when a capacity event and the schedule fire together.
  evaluate: { memory: "512 MB", timeout: "45 seconds" },
  // The exact branch-and-bound allocation is the only CPU-heavy step (milliseconds at
  // five units, npm run bench:plan); two Kubernetes reads.
  "plan-switch": { memory: "512 MB", timeout: "30 seconds" },
  // Up to five ScaledObject GET+PATCH pairs, each retried from a fresh read on 409.
  "apply-scaling": { memory: "256 MB", timeout: "30 seconds" },
  // Three Kubernetes reads, called every few seconds while receivers start.
  "check-receivers": { memory: "256 MB", timeout: "15 seconds" },
  // One Ingress GET+PATCH, retried from a fresh read on 409.
  "apply-routing": { memory: "256 MB", timeout: "30 seconds" },
  // One events LIST and a handful of ELBv2 Describe calls; retried by the workflow, so kept short.
  "verify-routing": { memory: "256 MB", timeout: "20 seconds" },
  // Up to five ScaledObject GET+PATCH pairs lifting the holds, each retried from a fresh read on 409.
  "release-holds": { memory: "256 MB", timeout: "30 seconds" },
  // An Ingress patch and up to five ScaledObject patches: the longest step, and the one that must finish.
  rollback: { memory: "256 MB", timeout: "60 seconds" },
};

interface ControllerContext {
  /** `copyFiles.from` of the validated config JSON (infra/config.ts). */
  readonly deployedConfigFile: string;
  readonly clusterArn: $util.Input<string>;
}

/** SST's permission args from core's statements: conditions' values become plain arrays. */
function permissions(statements: PolicyStatement<$util.Input<string>>[]) {
  return statements.map((statement) => ({
    actions: statement.actions,
    resources: statement.resources,
    ...(statement.conditions === undefined
      ? {}
      : { conditions: statement.conditions.map((c) => ({ ...c, values: [...c.values] })) }),
  }));
}

function controllerFunction(
  name: HandlerName,
  context: ControllerContext,
  options: {
    environment?: Record<string, $util.Input<string>>;
    stateMachineArn?: $util.Input<string>;
    reservedConcurrency?: number;
  } = {},
): sst.aws.Function {
  const stateMachineArn = options.stateMachineArn;
  const arns = {
    cluster: context.clusterArn,
    ...(stateMachineArn === undefined
      ? {}
      : {
          stateMachine: stateMachineArn,
          executions: $output(stateMachineArn).apply(executionsArnOf),
        }),
  };
  return new sst.aws.Function(`${componentName(name)}Function`, {
    description: `Switchyard ${name}`,
    handler: `functions/${name}.handler`,
    runtime: FUNCTION_RUNTIME,
    // What scripts/build-functions.ts (and so bench:functions and the bundle tests) builds with.
    nodejs: FUNCTION_BUNDLING,
    architecture: "arm64",
    ...SIZING[name],
    ...(options.reservedConcurrency === undefined
      ? {}
      : { concurrency: { reserved: options.reservedConcurrency } }),
    // Never `link`: linking grants sns:* and more; each role gets exactly its handler's declared actions.
    permissions: permissions(functionPolicy(name, arns)),
    copyFiles: [{ from: context.deployedConfigFile, to: DEPLOYED_CONFIG_FILE }],
    environment: { POWERTOOLS_SERVICE_NAME: EVALUATE_METRICS_SERVICE, ...options.environment },
    // Text log format: Powertools writes JSON lines (and EMF metrics) itself, which
    // Lambda's JSON format would wrap in a message field and CloudWatch would not extract.
    logging: { format: "text", retention: "3 months" },
    // SST's role trusts Lambda and, for `sst dev`'s locally run functions, the account's
    // root; its test for dev mode (`!dev` on an Output, platform/src/components/aws/function.ts,
    // createRole) is always false, so every deployed role would let any principal of the
    // account allowed sts:AssumeRole act as the controller. Outside `sst dev` only Lambda
    // assumes these roles (test/integration/infra/stack.test.ts).
    transform: {
      role: (args) => {
        if (!$dev) {
          args.assumeRolePolicy = aws.iam.assumeRolePolicyForPrincipal({ Service: "lambda.amazonaws.com" });
        }
      },
    },
  });
}

/** The mode-switch steps the state machine invokes. */
export function createStepFunctions(context: ControllerContext): Record<ModeSwitchStep, sst.aws.Function> {
  return Object.fromEntries(
    MODE_SWITCH_STEPS.map((step) => [step, controllerFunction(step, context)]),
  ) as Record<ModeSwitchStep, sst.aws.Function>;
}

/** The evaluate function: decides every minute and on capacity events, and starts executions, one evaluation at a time. */
export function createEvaluateFunction(
  context: ControllerContext,
  stateMachineArn: $util.Input<string>,
): sst.aws.Function {
  return controllerFunction("evaluate", context, {
    stateMachineArn,
    environment: { STATE_MACHINE_ARN: stateMachineArn },
    reservedConcurrency: EVALUATE_RESERVED_CONCURRENCY,
  });
}
