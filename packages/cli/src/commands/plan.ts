import type { Mode } from "@switchyard/core";
import type { CliIo } from "../io.ts";
import { planJson } from "../render/plan-json.ts";
import { renderPlanTable } from "../render/plan-table.ts";
import { renderPlanYaml } from "../render/plan-yaml.ts";
import { planReports } from "./plan-report.ts";
import { readConfig } from "./read-config.ts";

export type PlanOutput = "table" | "json" | "yaml";

export interface PlanCommandOptions {
  readonly config: string;
  readonly demand?: number;
  readonly mode: Mode | "both";
  readonly output: PlanOutput;
  readonly service?: string;
}

/** `switchyard plan`: what each mode would do to the traffic and the bill at a given demand. */
export async function planCommand(io: CliIo, options: PlanCommandOptions): Promise<void> {
  const config = await readConfig(io, options.config);
  const reports = planReports(config, {
    modes: options.mode === "both" ? ["cost", "capacity"] : [options.mode],
    ...(options.demand === undefined ? {} : { demand: options.demand }),
    ...(options.service === undefined ? {} : { service: options.service }),
  });
  switch (options.output) {
    case "json":
      io.stdout(`${JSON.stringify(planJson(reports), null, 2)}\n`);
      return;
    case "yaml":
      io.stdout(renderPlanYaml(reports, io.now().toISOString()));
      return;
    case "table":
      io.stdout(renderPlanTable(reports));
      return;
  }
}
