import { AwsCallError, type SwitchExecution } from "@switchyard/adapters";
import { causeMessage, operatorSwitch } from "@switchyard/controller";
import {
  DURATION_EXAMPLES,
  type InferenceService,
  type Mode,
  parseDuration,
  type SwitchyardConfig,
  shellQuote,
} from "@switchyard/core";
import { stepFunctionsExecutionUrl } from "@switchyard/core/deploy";
import { SWITCHYARD_ANNOTATIONS } from "@switchyard/core/manifests";
import { abortable } from "@switchyard/core/workflow";
import { RefusedError, UnreachableError, UsageError } from "../errors.ts";
import type { CliIo } from "../io.ts";
import { abortPatch, clearAbortPatch } from "./abort-annotation.ts";
import { type DeployedStack, type DeployedStackOptions, deployedStack } from "./deployed-stack.ts";
import {
  inRegion,
  type LiveOptions,
  onCluster,
  operatorCluster,
  operatorCredentials,
  operatorSwitches,
  stateMachineFinder,
} from "./operator-access.ts";
import { readConfig } from "./read-config.ts";
import { servicesNamed } from "./status.ts";
import { EVALUATION_INTERVAL } from "./status-report.ts";

/** The IAM actions each verb's calls need of the operator's identity (docs/operations.md lists them). */
export const OPERATOR_MOVE_ACTIONS = {
  move: [
    "eks:DescribeCluster",
    "states:DescribeExecution",
    "states:GetExecutionHistory",
    "states:ListExecutions",
    "states:StartExecution",
  ],
  abort: [
    "eks:DescribeCluster",
    "states:DescribeExecution",
    "states:GetExecutionHistory",
    "states:ListExecutions",
  ],
} as const;

interface LiveTarget {
  readonly config: SwitchyardConfig;
  readonly service: InferenceService;
  readonly stack: DeployedStack;
  readonly credentials: Awaited<ReturnType<typeof operatorCredentials>>;
}

/** The config, the service, the deployed stack and the operator's credentials, as `status` finds them. */
async function liveTarget(
  io: CliIo,
  options: DeployedStackOptions & LiveOptions & { readonly config: string; readonly service: string },
): Promise<LiveTarget> {
  const config = inRegion(await readConfig(io, options.config), options);
  const [service] = servicesNamed(config, options.service) as [InferenceService];
  let resolved: LiveTarget["credentials"] | undefined;
  const credentialsNow = async () => {
    resolved ??= await operatorCredentials(options);
    return resolved;
  };
  const stack = await deployedStack(io, options, config.cluster.region, async (name, region) =>
    stateMachineFinder(await credentialsNow())(name, region),
  );
  return { config, service, stack, credentials: await credentialsNow() };
}

/** Runs Step Functions calls, turning a refused or unreachable one into exit 4 with the IAM actions to check. */
async function onStack<T>(
  stack: DeployedStack,
  actions: readonly string[],
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof AwsCallError) {
      throw new UnreachableError(
        `${error.message} (From this machine: your identity needs ${actions.filter((a) => a.startsWith("states:")).join(", ")} on ${stack.stateMachineArn}; a wrong stage or a removed stack shows as StateMachineDoesNotExist.)`,
        { cause: error },
      );
    }
    throw error;
  }
}

interface MoveCommandOptions extends DeployedStackOptions, LiveOptions {
  readonly config: string;
  readonly service: string;
  readonly reason: string;
  readonly demand?: number;
}

const TARGET: Readonly<Record<"failover" | "fallback", Mode>> = { failover: "capacity", fallback: "cost" };

/**
 * `switchyard failover` and `switchyard fallback`: start the mode-switch workflow for one
 * service now, with the operator's reason as its cause (controller's operatorSwitch, core's
 * operatorDecision). Refused, with nothing started, while a switch of the service runs,
 * while a pin holds the other mode, or when the service is in that mode already.
 */
export async function moveCommand(
  io: CliIo,
  move: "failover" | "fallback",
  options: MoveCommandOptions,
): Promise<void> {
  const reason = options.reason.trim();
  if (reason === "") {
    throw new UsageError(
      `--reason must say why (e.g. --reason "INC-4211: inf2 pool degraded"): it is the ${move}'s cause in its execution, its alert and its Events`,
    );
  }
  const { config, service, stack, credentials } = await liveTarget(io, options);
  const cluster = operatorCluster(config, credentials, io);
  const switches = operatorSwitches(stack, credentials);
  const result = await onCluster(config, () =>
    onStack(stack, OPERATOR_MOVE_ACTIONS.move, () =>
      operatorSwitch(
        config,
        {
          service: service.name,
          move,
          reason,
          ...(options.demand === undefined ? {} : { demandRps: options.demand }),
        },
        { clock: { now: () => io.now().getTime() }, cluster, switches },
      ),
    ),
  );
  if (result.kind === "refused") {
    throw new RefusedError(result.refusal.message);
  }
  const { name, start, decision } = result;
  if (!start.started) {
    throw new RefusedError(
      start.status === "RUNNING" || start.status === undefined
        ? `an execution named ${name} is already running (started this minute, by evaluate or another operator): switchyard status shows it`
        : `an execution named ${name} already ran this minute and ended ${start.status}; execution names are kept, so run the command again in the next minute`,
    );
  }
  const to = TARGET[move];
  const where = `${service.name} (Ingress ${service.namespace}/${service.ingress})`;
  io.stdout(
    [
      `started ${name}: ${move} of ${where} from ${decision.mode} to ${to} mode`,
      `why: ${decision.reasons.join("; ")}`,
      `execution: ${stepFunctionsExecutionUrl(stack.region, start.executionArn)}`,
      `next: the switch scales the receiving units, moves traffic, verifies the ALB and alerts; \`switchyard status --service ${service.name}\` follows it, and \`kubectl describe ingress ${service.ingress} -n ${service.namespace}\` shows its Events. ${
        move === "failover"
          ? `The controller falls back on its own once every unit is clear and the minimum time in capacity mode has passed; to hold capacity mode, \`switchyard pin --service ${service.name} --mode capacity\`.`
          : "The controller fails over again on its own if a loss needs it."
      } To stop it before traffic moves: \`switchyard abort --service ${service.name}\`.`,
      "",
    ].join("\n"),
  );
}

interface AbortCommandOptions extends DeployedStackOptions, LiveOptions {
  readonly config: string;
  readonly service: string;
  readonly reason?: string;
  /** A duration to wait for the switch to end (`5m`), or false for `--no-wait`. */
  readonly wait: string | false;
}

/** How often `abort` asks whether the switch has ended: its steps look for the abort every 10–30 s. */
const POLL_MS = 5_000;

/**
 * `switchyard abort`: stops the service's running switch and has it roll back, as Argo
 * Rollouts' abort does (`kubectl argo rollouts abort` merge-patches `status.abort: true`;
 * the controller reverts). It writes `switchyard.io/abort: <execution>` on the Ingress;
 * the execution's next step sees it and fails with SwitchAbortedError, and the workflow's
 * own Rollback — the same code, with the functions' role — restores routing and KEDA
 * targets and lifts the replica holds, then alerts and records the SwitchAborted Event.
 * Not StopExecution: a Lambda already running would finish after a rollback run from
 * here, and could leave a hold or a traffic move behind it.
 */
export async function abortCommand(io: CliIo, options: AbortCommandOptions): Promise<void> {
  const waitMs = waitOf(options.wait);
  const { config, service, stack, credentials } = await liveTarget(io, options);
  const cluster = operatorCluster(config, credentials, io);
  const switches = operatorSwitches(stack, credentials);
  const actions = OPERATOR_MOVE_ACTIONS.abort;
  const { running, state } = await onStack(stack, actions, async () => {
    const read = await switches.lastSwitch(service.name);
    const running = read.records.find((r) => r.status === "RUNNING");
    if (running === undefined) {
      const last = read.records[0];
      throw new RefusedError(
        `no switch of ${service.name} is running: nothing to abort${last === undefined ? "" : ` (the last, ${last.name}, ended ${last.status})`}`,
      );
    }
    return { running, state: await switches.lastStateEntered(running.name) };
  });
  if (!abortable(state)) {
    throw new RefusedError(
      `${running.name} is past the point of abort: it is in ${state}, after the ALB was verified, and the switch stands. To move ${service.name} back, \`switchyard ${running.move === "failover" ? "fallback" : "failover"} --service ${service.name} --reason …\` once it has ended`,
    );
  }
  const reason = options.reason?.trim() || null;
  const change = await onCluster(config, () =>
    cluster.patchRouting(service, (current) => abortPatch(current, running.name, reason)),
  );
  const link = stepFunctionsExecutionUrl(stack.region, `${executionPrefix(stack)}${running.name}`);
  io.stdout(
    `abort requested: ${SWITCHYARD_ANNOTATIONS.abort}=${running.name} on Ingress ${service.namespace}/${service.ingress} (resourceVersion ${change.before.resourceVersion} → ${change.after.resourceVersion}); the ${running.move} stops at its next step (it is in ${state ?? "its first state"}) and its own Rollback restores what it changed and lifts its replica holds\n`,
  );
  if (waitMs === null) {
    io.stdout(
      `not waiting (--no-wait): \`switchyard status --service ${service.name}\` or ${link} shows how it ends\n`,
    );
    return;
  }
  const ended = await waitForEnd(io, running.name, waitMs, () =>
    onStack(stack, actions, () => switches.execution(running.name)),
  );
  if (ended === null) {
    throw new Error(
      `${running.name} is still running after ${options.wait}: it stops at its next step; follow it with \`switchyard status --service ${service.name}\` or ${link}`,
    );
  }
  await onCluster(config, () =>
    cluster.patchRouting(service, (current) => clearAbortPatch(current, running.name)),
  );
  reportEnd(io, ended, { service, move: running.move, link, configPath: options.config });
}

function waitOf(wait: string | false): number | null {
  if (wait === false) {
    return null;
  }
  const ms = parseDuration(wait.trim());
  if (ms === null || ms <= 0) {
    throw new UsageError(
      `--wait ${JSON.stringify(wait)} is not a duration (${DURATION_EXAMPLES}); or pass --no-wait`,
    );
  }
  return ms;
}

async function waitForEnd(
  io: CliIo,
  name: string,
  waitMs: number,
  read: () => Promise<SwitchExecution>,
): Promise<SwitchExecution | null> {
  const sleep = io.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const deadline = io.now().getTime() + waitMs;
  for (;;) {
    const execution = await read();
    if (execution.status !== "RUNNING") {
      return execution;
    }
    if (io.now().getTime() >= deadline) {
      return null;
    }
    io.stderr(`waiting for ${name} to stop…\n`);
    await sleep(POLL_MS);
  }
}

const ABORTED = "SwitchAbortedError";

/** The Fail state's error when the Rollback step itself failed (mode-switch-table.ts). */
const ROLLBACK_FAILED = "RollbackFailed";

function reportEnd(
  io: CliIo,
  ended: SwitchExecution,
  about: {
    readonly service: InferenceService;
    readonly move: string;
    readonly link: string;
    readonly configPath: string;
  },
): void {
  const { service, move, link } = about;
  const pinHint = (mode: string) =>
    `the controller decides again at its next evaluation (within ${EVALUATION_INTERVAL}) and may start a ${move} again while its cause lasts; to hold ${mode} mode, \`switchyard pin --config ${shellQuote(about.configPath)} --service ${service.name} --mode ${mode}\``;
  if (ended.status === "FAILED" && ended.error === ABORTED) {
    io.stdout(
      `${ended.name} stopped and rolled back (${ended.status}, ${ABORTED}): ${causeMessage(ended.cause ?? "")}\nnext: ${pinHint(move === "fallback" ? "capacity" : "cost")}\n`,
    );
    return;
  }
  if (ended.status === "SUCCEEDED") {
    throw new Error(
      `${ended.name} completed before any of its steps saw the abort: the switch stands (${link}). To move back, \`switchyard ${move === "failover" ? "fallback" : "failover"} --service ${service.name} --reason …\``,
    );
  }
  if (ended.status === "FAILED" && ended.error !== ROLLBACK_FAILED) {
    io.stdout(
      `${ended.name} ended on its own before the abort took effect: FAILED with ${ended.error ?? "an error"}, rolled back by its workflow (${link})\n`,
    );
    return;
  }
  throw new Error(
    `${ended.name} ended ${ended.status}${ended.error === undefined ? "" : ` with ${ended.error}`}: its rollback did not complete, check the service and the alert (${link})`,
  );
}

/** `arn:…:execution:<state machine>:` of the stack's state machine. */
function executionPrefix(stack: DeployedStack): string {
  return `${stack.stateMachineArn.replace(":stateMachine:", ":execution:")}:`;
}
