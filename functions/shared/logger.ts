import { Logger } from "@aws-lambda-powertools/logger";

/** One logger per container; each adapter gets a child of it. */
export const logger = new Logger({ serviceName: "switchyard" });
