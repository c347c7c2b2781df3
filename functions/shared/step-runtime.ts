import type { Logger } from "@aws-lambda-powertools/logger";
import type { SwitchyardConfig } from "@switchyard/core";
import type { Clock, ClusterGateway } from "@switchyard/core/ports";
import { clusterGateway } from "./cluster-runtime.ts";
import { deployedConfig } from "./deployed-config.ts";
import { logger } from "./logger.ts";
import { systemClock } from "./system-clock.ts";

interface StepDeps {
  readonly config: SwitchyardConfig;
  readonly cluster: ClusterGateway;
  readonly clock: Clock;
  /** Where a step logs what it does not fail for (an Event it could not record). */
  readonly logger: Logger;
}

/** What every mode-switch step needs: the deployed config, the cluster, the clock and the logger. */
export async function stepDeps(): Promise<StepDeps> {
  const config = await deployedConfig();
  return { config, cluster: clusterGateway(config), clock: systemClock, logger };
}
