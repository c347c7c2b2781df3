import { detail } from "./reasons.ts";
import type { Breach, ServiceState } from "./types.ts";

/**
 * An action annotation that is missing or not a readable forward action: the ALB keeps
 * its last good routing and Switchyard has lost control of it, so it is rewritten at
 * once, in either mode (a failover or a reroute rewrites it too). Empty when it reads.
 */
export function annotationEvidence(state: ServiceState): Breach[] {
  const problem = state.actionProblem;
  return problem === null
    ? []
    : [
        {
          rule: "action-annotation",
          observed: problem,
          threshold: null,
          breached: true,
          detail: detail({ rule: "action-annotation", problem }),
        },
      ];
}
