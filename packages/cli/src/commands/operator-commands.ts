import { type Command, Option } from "commander";
import type { CliIo } from "../io.ts";

/**
 * `status`, `pin` and `unpin`: the commands that read or write the live cluster and the
 * deployed stack. Their modules (the AWS SDK clients, client-node) load only when one of
 * them runs, so `plan` and `simulate` do not pay for them.
 */
export function registerOperatorCommands(program: Command, io: CliIo): void {
  program
    .command("status")
    .description(
      "read each service's mode, pin, weights, KEDA targets, holds, pods and switches live from the cluster and the deployed stack",
    )
    .requiredOption("-c, --config <file>", "Switchyard config (YAML)")
    .option("-s, --service <name>", "only this service")
    .addOption(
      new Option("-o, --output <format>", "output format").choices(["table", "json"]).default("table"),
    )
    .option("--stage <stage>", "the SST stage whose outputs to read (checked against .sst/outputs.json)")
    .option(
      "--outputs <file>",
      "the stack's outputs, as `sst deploy` writes them (default .sst/outputs.json)",
    )
    .option("--state-machine-arn <arn>", "the mode-switch state machine, instead of the stack's outputs")
    .action(async (options) => (await import("./status.ts")).statusCommand(io, options));

  program
    .command("pin")
    .description(
      "hold a service in a mode: the controller then only observes and reports (switchyard.io/pin)",
    )
    .requiredOption("-c, --config <file>", "Switchyard config (YAML)")
    .requiredOption("-s, --service <name>", "the service to pin")
    .addOption(
      new Option("-m, --mode <mode>", "the mode to hold").choices(["cost", "capacity"]).makeOptionMandatory(),
    )
    .option("--until <when>", "expiry: a duration (90m, 2h, 1d) or an RFC 3339 time (2026-12-02T01:00:00Z)")
    .option("--reason <text>", "why, kept in switchyard.io/pin-reason and shown by status")
    .action(async (options) => (await import("./pin.ts")).pinCommand(io, options));

  program
    .command("unpin")
    .description(
      "remove Switchyard's pin from a service; the controller decides again at its next evaluation",
    )
    .requiredOption("-c, --config <file>", "Switchyard config (YAML)")
    .requiredOption("-s, --service <name>", "the service to unpin")
    .action(async (options: { config: string; service: string }) =>
      (await import("./pin.ts")).unpinCommand(io, options),
    );
}
