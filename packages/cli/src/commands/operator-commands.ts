import { type Command, InvalidArgumentError, Option } from "commander";
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

/** Where a live command finds the deployed stack: the options `status` takes. */
function withStackOptions(command: Command): Command {
  return command
    .option(
      "--stage <stage>",
      "the SST stage (one per cluster) whose stack to use: from .sst/outputs.json here if it is that stage's, else its state machine switchyard-<stage>-mode-switch by name",
    )
    .option(
      "--outputs <file>",
      "the stack's outputs, as `sst deploy` writes them (default .sst/outputs.json)",
    )
    .option("--state-machine-arn <arn>", "the mode-switch state machine, instead of the stack's outputs");
}

function demandRps(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n <= 0) {
    throw new InvalidArgumentError("expected requests per second, a number above 0 (e.g. --demand 1200)");
  }
  return n;
}

/**
 * `status`, `pin`, `unpin`, `failover`, `fallback` and `abort`: the commands that read or
 * write the live cluster and the deployed stack. Their modules (the AWS SDK clients, client-node) load only when one of
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
    .action(async (options) => (await import("./status.ts")).statusCommand(io, options));
  withAwsOptions(withStackOptions(status));

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

  for (const move of ["failover", "fallback"] as const) {
    const to = move === "failover" ? "capacity" : "cost";
    const verb = program
      .command(move)
      .description(
        `start a ${move} to ${to} mode now: the same mode-switch workflow, with your reason as its cause; refused (exit 5) while a switch runs or a pin holds the other mode`,
      )
      .requiredOption("-c, --config <file>", "Switchyard config (YAML)")
      .requiredOption("-s, --service <name>", `the service to ${move}`)
      .requiredOption("--reason <text>", "why: the cause in the execution's input, the alert and the Events")
      .option(
        "-d, --demand <rps>",
        "the demand to plan for, requests/s (default: what the ready pods serve at their cost-mode KEDA targets)",
        demandRps,
      )
      .action(async (options) => (await import("./operator-moves.ts")).moveCommand(io, move, options));
    withAwsOptions(withStackOptions(verb));
  }

  const abort = program
    .command("abort")
    .description(
      "stop a service's running switch before the ALB holds it: it rolls back what it changed (routing, KEDA targets, replica holds); refused (exit 5) when none runs or it is past verification",
    )
    .requiredOption("-c, --config <file>", "Switchyard config (YAML)")
    .requiredOption("-s, --service <name>", "the service whose switch to stop")
    .option(
      "--reason <text>",
      "why, kept in switchyard.io/abort-reason and quoted in the alert and the Event",
    )
    .option("--wait <duration>", "how long to wait for the switch to stop (90s, 5m, …)", "5m")
    .option("--no-wait", "return once the abort is requested")
    .action(async (options) => (await import("./operator-moves.ts")).abortCommand(io, options));
  withAwsOptions(withStackOptions(abort));
}
