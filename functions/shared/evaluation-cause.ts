import type { EvaluationCause } from "@switchyard/controller";
import {
  classifyEvent,
  eventRegion,
  eventTime,
  launchErrorsFromCloudTrail,
  SwitchyardError,
  spotInterruptionInstance,
} from "@switchyard/core";

/** The evaluate function was invoked with an event it does not handle. */
export class UnsupportedEventError extends SwitchyardError {
  override name = "UnsupportedEventError";
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { ...options, code: "UNSUPPORTED_EVENT" });
  }
}

/** What caused this evaluation, read from the EventBridge event. */
export function evaluationCauseOf(event: unknown): EvaluationCause {
  const trigger = classifyEvent(event);
  const region = eventRegion(event);
  const at = eventTime(event);
  const eventAt = at === null ? {} : { eventAt: at };
  switch (trigger.kind) {
    case "schedule":
      return { trigger: "schedule", capacitySignals: [], region };
    case "cloudtrail": {
      const errors = launchErrorsFromCloudTrail(event);
      return {
        trigger: "cloudtrail",
        capacitySignals: errors.capacity,
        launchBlocks: errors.blocked,
        region,
        ...eventAt,
      };
    }
    case "spot-interruption": {
      const spot = spotInterruptionInstance(event);
      return spot === null
        ? { trigger: "spot-interruption", capacitySignals: [], region, ...eventAt }
        : {
            trigger: "spot-interruption",
            capacitySignals: [],
            spotInterruption: spot,
            region,
            ...eventAt,
          };
    }
    case "unknown":
      throw new UnsupportedEventError(
        `evaluate handles the EventBridge schedule, CloudTrail CreateFleet/RunInstances calls and EC2 Spot interruption warnings; got ${trigger.received}`,
      );
  }
}
