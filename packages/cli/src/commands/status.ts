import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { CloudWatchForecastRecord, type RecordedForecast, type SwitchExecution } from "@switchyard/adapters";
import type { InferenceService, SwitchyardConfig } from "@switchyard/core";
import { DAY, HOUR, jsonText } from "@switchyard/core";
import { stepFunctionsExecutionUrl } from "@switchyard/core/deploy";
import { stringify } from "yaml";
import { UsageError } from "../errors.ts";
import type { CliIo } from "../io.ts";
import { renderStatusTable } from "../render/status-table.ts";
import { type DeployedStack, type DeployedStackOptions, deployedStack } from "./deployed-stack.ts";
import {
  inRegion,
  type LiveOptions,
  onCluster,
  onStateMachine,
  operatorCluster,
  operatorCredentials,
  operatorSwitches,
  stateMachineFinder,
} from "./operator-access.ts";
import { readConfig } from "./read-config.ts";
import { type ServiceStatus, serviceStatus, shownSwitches } from "./status-report.ts";

type StatusOutput = "table" | "json" | "yaml" | "wide";

interface StatusCommandOptions extends DeployedStackOptions, LiveOptions {
  readonly config: string;
  readonly service?: string;
  readonly output: StatusOutput;
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
  const config = inRegion(await readConfig(io, options.config), options);
  const services = servicesNamed(config, options.service);
  // Credentials once, when first needed: a bad flag or outputs file is reported before them.
  let resolved: Awaited<ReturnType<typeof operatorCredentials>> | undefined;
  const credentialsNow = async () => {
    resolved ??= await operatorCredentials(options);
    return resolved;
  };
  const stack = await deployedStack(io, options, config.cluster.region, async (name, region) =>
    stateMachineFinder(await credentialsNow())(name, region),
  );
  const credentials = await credentialsNow();
  const cluster = operatorCluster(config, credentials, io);
  const switches = operatorSwitches(stack, credentials);
  const { region } = stack;
  const forecasts = await recordedForecasts(services, config.cluster, credentials, io.now().getTime());

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
        forecast: forecasts[service.name] ?? null,
      }),
    );
  }

  switch (options.output) {
    case "json":
      io.stdout(jsonText(statusJson(config, stack, statuses, io.now())));
      return;
    case "yaml":
      // The same document as JSON, through the YAML library (which quotes what must be).
      io.stdout(
        stringify(JSON.parse(jsonText(statusJson(config, stack, statuses, io.now()))), { lineWidth: 0 }),
      );
      return;
    case "table":
    case "wide":
      io.stdout(renderStatusTable(config, stack, statuses, io.now(), { wide: options.output === "wide" }));
  }
}

/**
 * What evaluate recorded of each forecasting service's forecast and demand over the last
 * day (and the forecasts stamped up to an hour ahead), in one GetMetricData call. A read
 * that fails is reported on each service's forecast line, not as a failed command.
 */
async function recordedForecasts(
  services: readonly InferenceService[],
  cluster: SwitchyardConfig["cluster"],
  credentials: Awaited<ReturnType<typeof operatorCredentials>>,
  now: number,
): Promise<Record<string, RecordedForecast | { readonly problem: string }>> {
  const forecasting = services.filter((s) => s.forecast.mode !== "off").map((s) => s.name);
  if (forecasting.length === 0) {
    return {};
  }
  const reader = new CloudWatchForecastRecord({
    client: new CloudWatchClient({ region: cluster.region, credentials }),
    cluster: cluster.name,
  });
  try {
    return await reader.read(forecasting, now - DAY, now + HOUR);
  } catch (error) {
    const problem = `cannot read the recorded forecast (${error instanceof Error ? error.message : String(error)}); your identity needs cloudwatch:GetMetricData`;
    return Object.fromEntries(forecasting.map((name) => [name, { problem }]));
  }
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
