import { join } from "node:path";
import { jsonText, type Mode, shellQuote } from "@switchyard/core";
import {
  infeasiblePlan,
  OutputFolderError,
  PlanInfeasibleError,
  UsageError,
  unwritableFolder,
} from "../errors.ts";
import type { CliIo } from "../io.ts";
import { planJson } from "../render/plan-json.ts";
import { renderPlanTable } from "../render/plan-table.ts";
import { kubectlPatchCommand, type PlanPatch, planPatches, renderPlanYaml } from "../render/plan-yaml.ts";
import { planReports } from "./plan-report.ts";
import { readConfig } from "./read-config.ts";

type PlanOutput = "table" | "json" | "yaml";

interface PlanCommandOptions {
  readonly config: string;
  readonly demand?: number;
  readonly mode: Mode | "both";
  readonly output: PlanOutput;
  readonly service?: string;
  /** With `--output yaml`: write each patch to its own file here and print the kubectl commands. */
  readonly outDir?: string;
}

/** `switchyard plan`: what each mode would do to the traffic and the bill at a given demand. */
export async function planCommand(io: CliIo, options: PlanCommandOptions): Promise<void> {
  if (options.outDir !== undefined && options.output !== "yaml") {
    throw new UsageError(
      `--out-dir writes the patches of --output yaml, one file each; add --output yaml (got --output ${options.output})`,
    );
  }
  const config = await readConfig(io, options.config);
  const reports = planReports(config, {
    modes: options.mode === "both" ? ["cost", "capacity"] : [options.mode],
    ...(options.demand === undefined ? {} : { demand: options.demand }),
    ...(options.service === undefined ? {} : { service: options.service }),
  });
  switch (options.output) {
    case "json":
      io.stdout(jsonText(planJson(reports)));
      break;
    case "yaml":
      if (options.outDir === undefined) {
        io.stdout(renderPlanYaml(reports, io.now().toISOString()));
      } else {
        await writePatchFiles(io, options.outDir, planPatches(reports, io.now().toISOString()));
      }
      break;
    case "table":
      io.stdout(renderPlanTable(reports));
      break;
  }
  const shortfalls = reports.flatMap((report) =>
    report.plans
      .filter((plan) => !plan.feasible)
      .map((plan) => ({
        service: report.service.name,
        mode: plan.mode,
        demandRps: report.demandRps,
        headroom: report.service.headroom,
        shortfallRps: plan.shortfallRps,
      })),
  );
  if (shortfalls.length > 0) {
    throw new PlanInfeasibleError(infeasiblePlan(shortfalls));
  }
}

/**
 * Each patch in its own file under `dir`, then on stdout the `kubectl patch` commands that
 * apply them, ScaledObjects before the Ingress (receivers scale before traffic moves).
 */
async function writePatchFiles(io: CliIo, dir: string, patches: readonly PlanPatch[]): Promise<void> {
  try {
    await io.prepareFolder(dir);
  } catch (error) {
    // The shell's error speaks of simulate's report; say which flag of plan to fix.
    throw error instanceof OutputFolderError
      ? new OutputFolderError(
          unwritableFolder(dir, error.cause, { flag: "--out-dir", what: "the patches" }),
          {
            path: dir,
            cause: error.cause,
          },
        )
      : error;
  }
  const lines = [
    `# ${patches.length} patch files in ${shellQuote(dir)}; apply one plan's in this order (ScaledObjects first, then the Ingress)`,
  ];
  let plan = "";
  for (const patch of patches) {
    const file = join(dir, patch.fileName);
    await io.writeFile(file, patch.document);
    if (patch.plan !== plan) {
      plan = patch.plan;
      lines.push(`# ${plan}`);
    }
    lines.push(kubectlPatchCommand(patch, file));
  }
  io.stdout(`${lines.join("\n")}\n`);
}
