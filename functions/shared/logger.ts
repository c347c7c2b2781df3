import { Logger } from "@aws-lambda-powertools/logger";
import { EVALUATE_METRICS_SERVICE } from "@switchyard/core/deploy";

/** One logger per container; each adapter gets a child of it. */
export const logger = new Logger({ serviceName: EVALUATE_METRICS_SERVICE });
