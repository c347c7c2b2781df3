import type { Clock, ClusterGateway, SwitchyardConfig } from "@switchyard/core";
import { clusterGateway } from "./cluster-runtime.ts";
import { deployedConfig } from "./deployed-config.ts";
import { systemClock } from "./system-clock.ts";

export interface StepDeps {
  readonly config: SwitchyardConfig;
  readonly cluster: ClusterGateway;
  readonly clock: Clock;
}

/** What every mode-switch step needs: the deployed config, the cluster and the clock. */
export async function stepDeps(): Promise<StepDeps> {
  const config = await deployedConfig();
  return { config, cluster: clusterGateway(config), clock: systemClock };
}
