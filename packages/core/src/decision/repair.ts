import { detail } from "./reasons.ts";
import type { Breach, ServiceState } from "./types.ts";

/**
 * An action annotation that is missing or not a readable forward action: the ALB keeps
 * its last good routing and Switchyard has lost control of it, so it is rewritten at
 * once, in either mode (a failover or a reroute rewrites it too). A valid action of the
 * Load Balancer Controller that Switchyard does not write (a forward by target-group
 * ARN, a fixed response, a redirect) is someone else's routing: reported, not breached,
 * and left alone (see decide). Empty when it reads.
 */
export function annotationEvidence(state: ServiceState): Breach[] {
  const problem = state.actionProblem;
  if (state.actionForeign !== null) {
    const foreign = state.actionForeign;
    return [
      {
        rule: "action-annotation",
        observed: foreign,
        threshold: null,
        breached: false,
        detail: detail({ rule: "action-annotation", foreign }),
      },
    ];
  }
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
