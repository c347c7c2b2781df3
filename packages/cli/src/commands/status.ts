import type { SwitchExecution } from "@switchyard/adapters";
import type { InferenceService, SwitchyardConfig } from "@switchyard/core";
import { jsonText, stepFunctionsExecutionUrl } from "@switchyard/core";
import { UsageError } from "../errors.ts";
import type { CliIo } from "../io.ts";
import { renderStatusTable } from "../render/status-table.ts";
import { type DeployedStack, type DeployedStackOptions, deployedStack } from "./deployed-stack.ts";
import {
  onCluster,
  onStateMachine,
  operatorCluster,
  operatorCredentials,
  operatorSwitches,
} from "./operator-access.ts";
import { readConfig } from "./read-config.ts";
import { type ServiceStatus, serviceStatus, shownSwitches } from "./status-report.ts";

export interface StatusCommandOptions extends DeployedStackOptions {
  readonly config: string;
  readonly service?: string;
  readonly output: "table" | "json";
}

/** The services a live command acts on: one by name (unknown: a usage error naming the known ones), or all. */
export function servicesNamed(config: SwitchyardConfig, name: string | undefined): InferenceService[] {
  if (name === undefined) {
    return [...config.services];
  }
  const service = config.services.find((s) => s.name === name);
  if (service === undefined) {
    throw new UsageError(
      `the config has no service ${name}; its services are ${config.services.map((s) => s.name).join(", ")}`,
    );
  }
  return [service];
}

/**
 * `switchyard status`: per service, what the controller reads — the Ingress's mode, pin
 * and weights, each unit's KEDA target, hold and pods, and the switch history of the
 * deployed state machine — through the same adapters the functions use.
 */
export async function statusCommand(io: CliIo, options: StatusCommandOptions): Promise<void> {
  const config = await readConfig(io, options.config);
  const services = servicesNamed(config, options.service);
  const stack = await deployedStack(io, options);
  const credentials = await operatorCredentials();
  const cluster = operatorCluster(config, credentials, io);
  const switches = operatorSwitches(stack, credentials);
  const { region } = stack;

  const statuses: ServiceStatus[] = [];
  for (const service of services) {
    const [state, scaledObjects] = await onCluster(config, () =>
      Promise.all([cluster.readService(service), cluster.readScaledObjects(service)]),
    );
    const { read, executions } = await onStateMachine(stack.stateMachineArn, async () => {
      const read = await switches.lastSwitch(service.name);
      const described = await Promise.all(shownSwitches(read.records).map((s) => switches.execution(s.name)));
      return { read, executions: new Map<string, SwitchExecution>(described.map((e) => [e.name, e])) };
    });
    statuses.push(
      serviceStatus({
        service,
        cluster: state,
        scaledObjects,
        switches: read.records,
        searched: { executions: read.searched, wholeHistory: read.wholeHistory },
        executions,
        consoleUrl: (arn) => stepFunctionsExecutionUrl(region, arn),
        now: io.now().getTime(),
      }),
    );
  }

  if (options.output === "json") {
    io.stdout(jsonText(statusJson(config, stack, statuses, io.now())));
    return;
  }
  io.stdout(renderStatusTable(config, stack, statuses, io.now()));
}

function statusJson(
  config: SwitchyardConfig,
  stack: DeployedStack,
  services: readonly ServiceStatus[],
  now: Date,
) {
  return {
    at: now.toISOString(),
    cluster: { name: config.cluster.name, region: config.cluster.region },
    stateMachine: { arn: stack.stateMachineArn, from: stack.from, stage: stack.stage },
    services,
  };
}
