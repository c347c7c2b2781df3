import { type Command, Option } from "commander";
import type { CliIo } from "../io.ts";

/** `--region` and `--profile`, as the AWS CLI names them, on every live command. */
function withAwsOptions(command: Command): Command {
  return command
    .option(
      "--region <region>",
      "the AWS Region of the cluster and its stack, instead of the config's cluster.region",
    )
    .option(
      "--profile <name>",
      "a named profile of ~/.aws/config and ~/.aws/credentials, instead of the default credential chain (AWS_PROFILE, the environment, SSO, a role)",
    );
}

/**
 * `status`, `pin` and `unpin`: the commands that read or write the live cluster and the
 * deployed stack. Their modules (the AWS SDK clients, client-node) load only when one of
 * them runs, so `plan` and `simulate` do not pay for them.
 */
export function registerOperatorCommands(program: Command, io: CliIo): void {
  const status = program
    .command("status")
    .description(
      "read each service's mode, pin, weights, KEDA targets, holds, pods and switches live from the cluster and the deployed stack",
    )
    .requiredOption("-c, --config <file>", "Switchyard config (YAML)")
    .option("-s, --service <name>", "only this service")
    .addOption(
      new Option(
        "-o, --output <format>",
        "output format: table; wide, the table with each unit's Kubernetes objects and limits; json; yaml",
      )
        .choices(["table", "wide", "json", "yaml"])
        .default("table"),
    )
    .option(
      "--stage <stage>",
      "the SST stage (one per cluster) whose stack to read: from .sst/outputs.json here if it is that stage's, else its state machine switchyard-<stage>-mode-switch by name",
    )
    .option(
      "--outputs <file>",
      "the stack's outputs, as `sst deploy` writes them (default .sst/outputs.json)",
    )
    .option("--state-machine-arn <arn>", "the mode-switch state machine, instead of the stack's outputs")
    .action(async (options) => (await import("./status.ts")).statusCommand(io, options));
  withAwsOptions(status);

  const pin = program
    .command("pin")
    .description(
      "hold a service in a mode: the controller then only observes and reports (switchyard.io/pin)",
    )
    .requiredOption("-c, --config <file>", "Switchyard config (YAML)")
    .requiredOption("-s, --service <name>", "the service to pin")
    .addOption(
      new Option("-m, --mode <mode>", "the mode to hold").choices(["cost", "capacity"]).makeOptionMandatory(),
    )
    .option(
      "--until <when>",
      "expiry: a duration from now (90s, 90m, 2h, 1d, 1h30m; the scenario files' grammar) or an RFC 3339 time with its offset (2026-12-02T01:00:00Z)",
    )
    .option("--reason <text>", "why, kept in switchyard.io/pin-reason and shown by status")
    .action(async (options) => (await import("./pin.ts")).pinCommand(io, options));
  withAwsOptions(pin);

  const unpin = program
    .command("unpin")
    .description(
      "remove Switchyard's pin from a service; the controller decides again at its next evaluation",
    )
    .requiredOption("-c, --config <file>", "Switchyard config (YAML)")
    .requiredOption("-s, --service <name>", "the service to unpin")
    .action(async (options: { config: string; service: string; region?: string; profile?: string }) =>
      (await import("./pin.ts")).unpinCommand(io, options),
    );
  withAwsOptions(unpin);
}
