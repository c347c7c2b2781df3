import {
  adjustedThroughput,
  defaultDemandRps,
  type InferenceService,
  type Mode,
  planService,
  type ServicePlan,
  type SwitchyardConfig,
} from "@switchyard/core";
import { UsageError } from "../errors.ts";

type DemandSource = "--demand" | "config demandRps" | "one pod per unit at maxRps";

export interface ServicePlanReport {
  readonly service: InferenceService;
  readonly demandRps: number;
  readonly demandSource: DemandSource;
  readonly adjusted: readonly number[];
  readonly plans: readonly ServicePlan[];
}

interface PlanOptions {
  readonly demand?: number;
  readonly modes: readonly Mode[];
  readonly service?: string;
}

/** Plans every selected service in every requested mode. */
export function planReports(config: SwitchyardConfig, options: PlanOptions): ServicePlanReport[] {
  const services =
    options.service === undefined
      ? config.services
      : config.services.filter((s) => s.name === options.service);
  if (services.length === 0) {
    throw new UsageError(
      `--service ${options.service}: no such service; the config has ${config.services.map((s) => s.name).join(", ")}`,
    );
  }
  return services.map((service) => {
    const demandRps = options.demand ?? defaultDemandRps(service);
    const demandSource: DemandSource =
      options.demand !== undefined
        ? "--demand"
        : service.demandRps !== undefined
          ? "config demandRps"
          : "one pod per unit at maxRps";
    return {
      service,
      demandRps,
      demandSource,
      adjusted: adjustedThroughput(service.units),
      plans: options.modes.map((mode) => planService({ service, mode, demandRps })),
    };
  });
}
