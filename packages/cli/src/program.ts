import { ConfigError, MAX_DEMAND_RPS, parseDecimal, SwitchyardError } from "@switchyard/core";
import { POLICY_NAMES } from "@switchyard/sim";
import { Command, CommanderError, Help, InvalidArgumentError, Option } from "commander";
import cliPackage from "../package.json" with { type: "json" };
import {
  calibrateCommand,
  DEFAULT_CALIBRATE_LIMIT,
  DEFAULT_CALIBRATE_STATISTIC,
  DEFAULT_KEEP_UP_PERCENT,
} from "./commands/calibrate.ts";
import { LOAD_TEST_STATISTICS } from "./commands/load-test-csv.ts";
import { registerOperatorCommands } from "./commands/operator-commands.ts";
import { planCommand } from "./commands/plan.ts";
import { rbacCommand } from "./commands/rbac.ts";
import { simulateCommand } from "./commands/simulate.ts";
import { validateCommand } from "./commands/validate.ts";
import { workflowCommand } from "./commands/workflow.ts";
import { PlanInfeasibleError, RefusedError, UnreachableError, UsageError } from "./errors.ts";
import type { CliIo } from "./io.ts";
import { printable } from "./render/printable.ts";

/**
 * Exit codes: 0 done, 1 the work failed (or `calibrate` found no breaking point for a unit,
 * or `abort` could not confirm the switch stopped), 2 bad usage or a bad input file, 3
 * `plan` cannot serve the demand, 4 what a live command reads cannot be reached (no AWS
 * credentials, no deployed stack, the cluster or Step Functions unreachable or refusing),
 * 5 a live command refused, nothing changed (`failover`/`fallback` while a switch runs or
 * a pin holds the other mode; `abort` with nothing to abort).
 */
const EXIT = { ok: 0, failed: 1, usage: 2, infeasible: 3, unreachable: 4, refused: 5 } as const;

// Flag values are decimal numbers: `0x1F`, ` 12 ` or `Infinity` are refused (parseDecimal).

function demandRps(value: string): number {
  const n = parseDecimal(value);
  if (n === null || n > MAX_DEMAND_RPS.value) {
    throw new InvalidArgumentError(
      `expected requests per second, a decimal number from 0 to ${MAX_DEMAND_RPS.value} (e.g. --demand 446)${n !== null && n > MAX_DEMAND_RPS.value ? `: ${MAX_DEMAND_RPS.why}` : ""}`,
    );
  }
  return n;
}

/** `--hedge 0,0.1,0.25,0.5,1`: risk budgets from 0 to 1, each once. */
function hedgeBudgets(value: string): number[] {
  const parts = value.split(",").map((part) => part.trim());
  const budgets = parts.map(Number);
  const bad = parts.filter((part, i) => {
    const n = budgets[i] ?? Number.NaN;
    return part === "" || !Number.isFinite(n) || n < 0 || n > 1;
  });
  if (bad.length > 0) {
    throw new InvalidArgumentError(
      `expected risk budgets from 0 to 1 (policy.hedge.maxLossShare), comma-separated, e.g. --hedge 0,0.1,0.25,0.5,1; not a budget: ${bad.map((b) => `"${b}"`).join(", ")}`,
    );
  }
  return [...new Set(budgets)];
}

function sloMs(value: string): number {
  const n = parseDecimal(value);
  if (n === null || n <= 0) {
    throw new InvalidArgumentError(
      "expected the latency objective in milliseconds, a number above 0 (e.g. --slo-ms 900)",
    );
  }
  return n;
}

function keepUpPercent(value: string): number {
  const n = parseDecimal(value);
  if (n === null || n <= 0 || n > 100) {
    throw new InvalidArgumentError("expected a percentage above 0 and at most 100 (e.g. --keep-up 95)");
  }
  return n;
}

function policyList(value: string): string[] {
  const names = value
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "");
  const unknown = names.filter((name) => !(POLICY_NAMES as readonly string[]).includes(name));
  if (names.length === 0 || unknown.length > 0) {
    throw new InvalidArgumentError(
      `${unknown.length > 0 ? `unknown ${unknown.join(", ")}; ` : ""}expected a comma-separated list of ${POLICY_NAMES.join(", ")}`,
    );
  }
  return names;
}

function buildProgram(io: CliIo): Command {
  const program = new Command("switchyard")
    .description("Plans and checks cost/capacity failover for EKS inference services behind one ALB Ingress.")
    .version(cliPackage.version, "-V, --version", "print the version of switchyard")
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError("(run switchyard --help for usage)")
    // Commander lists a requiredOption like any other; say it must be given. Subcommands
    // inherit the help configuration when they are added.
    .configureHelp({
      optionDescription(this: Help, option: Option): string {
        const text = Help.prototype.optionDescription.call(this, option);
        return option.mandatory ? `${text} (required)` : text;
      },
    })
    .allowExcessArguments(false);

  program
    .command("validate")
    .description("check a config file; prints every error with its path and line")
    .requiredOption("-c, --config <file>", "Switchyard config (YAML)")
    .action((options: { config: string }) => validateCommand(io, options));

  program
    .command("plan")
    .description(
      "show pods, weights, KEDA targets and the hourly bill of each mode at a demand; exits 3 (after printing the plan) when a mode cannot serve it",
    )
    .requiredOption("-c, --config <file>", "Switchyard config (YAML)")
    .option(
      "-d, --demand <rps>",
      "demand in requests/s (default: the config's demandRps, else one pod per unit)",
      demandRps,
    )
    .addOption(
      new Option("-m, --mode <mode>", "which mode to plan")
        .choices(["cost", "capacity", "both"])
        .default("both"),
    )
    .addOption(
      new Option("-o, --output <format>", "output format")
        .choices(["table", "json", "yaml"])
        .default("table"),
    )
    .option("-s, --service <name>", "plan only this service")
    .option(
      "--out-dir <dir>",
      "with --output yaml: write each patch to its own file in <dir> and print the kubectl patch commands",
    )
    .action((options) => planCommand(io, options));

  program
    .command("simulate")
    .description(
      "replay a scenario through Switchyard, the baselines and the clairvoyant oracle; writes a report (table, charts, timeline) and prints the comparison with the floor and the lower bound",
    )
    .requiredOption(
      "-f, --scenario <file>",
      "scenario file (YAML), e.g. examples/sd21/scenarios/inf2-outage.yaml",
    )
    .option(
      "-p, --policies <list>",
      `comma-separated policies (default: all of ${POLICY_NAMES.join(", ")})`,
      policyList,
    )
    .option("--out <dir>", "report folder (default: out/<scenario name>)")
    .addOption(
      new Option("-o, --output <format>", "output format").choices(["table", "json"]).default("table"),
    )
    .option(
      "--hedge <budgets>",
      "also run switchyard at each risk budget (policy.hedge.maxLossShare, comma-separated, 0-1) and print and chart the cost–risk frontier, e.g. 0,0.1,0.25,0.5,1",
      hedgeBudgets,
    )
    .action((options) => simulateCommand(io, options));

  program
    .command("rbac")
    .description(
      "print the Kubernetes Role and RoleBinding the deployed functions need (the example's is deploy/rbac.yaml)",
    )
    .requiredOption("-c, --config <file>", "Switchyard config (YAML)")
    .action((options: { config: string }) => rbacCommand(io, options));

  program
    .command("workflow")
    .description("print the mode-switch state machine (ASL JSON) the deploy creates, with placeholder ARNs")
    .requiredOption("-c, --config <file>", "Switchyard config (YAML)")
    .action((options: { config: string }) => workflowCommand(io, options));

  program
    .command("calibrate")
    .description(
      "find each unit's breaking point (maxRps) and its latency there (latencyMs) from a stepped load test (CSV: unit,offered_rps,served_rps,p95_ms)",
    )
    .requiredOption("-l, --load-test <file>", "load-test CSV, one row per step per unit")
    .requiredOption("--slo-ms <ms>", "the service's latency objective in ms (slo.latencyMs), e.g. 900", sloMs)
    .addOption(
      new Option("--statistic <stat>", "the latency column: <stat>_ms (the service's slo.statistic)")
        .choices(LOAD_TEST_STATISTICS)
        .default(DEFAULT_CALIBRATE_STATISTIC),
    )
    .option(
      "--keep-up <percent>",
      "a step keeps up when served is at least this % of offered",
      keepUpPercent,
      DEFAULT_KEEP_UP_PERCENT,
    )
    .addOption(
      new Option(
        "--limit <what>",
        "what ends the walk up the steps: slo, the first step over the SLO or falling behind (the breaking point keeps up within the SLO); throughput, only falling behind, as the seed's Table 2 was read (its l4 and a10g-cuda are over 900 ms there; capacity mode then holds them to maxRps × SLO ÷ latencyMs)",
      )
        .choices(["slo", "throughput"])
        .default(DEFAULT_CALIBRATE_LIMIT),
    )
    .addOption(
      new Option("-o, --output <format>", "output format")
        .choices(["table", "json", "yaml"])
        .default("table"),
    )
    .action((options) => calibrateCommand(io, options));
  registerOperatorCommands(program, io);

  return program;
}

/**
 * Runs the CLI with `argv` (without `node` and the script) and returns the exit code.
 * Everything it writes, output and errors alike, passes through `printable`.
 */
export async function runCli(argv: readonly string[], rawIo: CliIo): Promise<number> {
  const io: CliIo = {
    ...rawIo,
    stdout: (text) => rawIo.stdout(printable(text)),
    stderr: (text) => rawIo.stderr(printable(text)),
    // The progress bar's own \r redraws, never text from outside.
    terminal: rawIo.terminal ?? rawIo.stderr,
  };
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return EXIT.ok;
  } catch (error) {
    return exitCodeFor(error, io);
  }
}

function exitCodeFor(error: unknown, io: CliIo): number {
  if (error instanceof CommanderError) {
    // Help and version are not failures; commander has already printed the message.
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (error instanceof PlanInfeasibleError) {
    io.stderr(`switchyard: ${error.message}\n`);
    return EXIT.infeasible;
  }
  if (error instanceof ConfigError) {
    io.stderr(`${error.message}\n`);
    return EXIT.usage;
  }
  if (
    error instanceof UsageError ||
    (error instanceof SwitchyardError && (error.code === "INPUT_FILE" || error.code === "OUTPUT_FOLDER"))
  ) {
    io.stderr(`switchyard: ${error.message}\n`);
    return EXIT.usage;
  }
  if (error instanceof UnreachableError) {
    io.stderr(`switchyard: ${error.message}\n`);
    return EXIT.unreachable;
  }
  if (error instanceof RefusedError) {
    io.stderr(`switchyard: refused: ${error.message}\n`);
    return EXIT.refused;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr(`switchyard: ${message}\n`);
  return EXIT.failed;
}
