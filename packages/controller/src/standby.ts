import { type InferenceService, type IngressState, SwitchyardError } from "@switchyard/core";
import { type IngressMergePatch, type StandbyChanges, standbyChanges } from "@switchyard/core/manifests";
import type { ClusterGateway } from "@switchyard/core/ports";
import type { StandbyResult } from "./switch-state.ts";

/**
 * The standby part of an Ingress patch: the standby actions, their conditions and the
 * rules that name them (core's `standbyActions`), where the Ingress lacks them.
 */
export function standbyPart(
  current: IngressState,
  service: InferenceService,
): StandbyChanges & { readonly empty: boolean } {
  const changes = standbyChanges(current, service);
  return {
    ...changes,
    empty: Object.keys(changes.annotations).length === 0 && changes.rules.length === 0,
  };
}

/** Whether the Ingress has the service's standby in place (or needs none: no consolidated Service). */
export function standbyInPlace(current: IngressState, service: InferenceService): boolean {
  const part = standbyPart(current, service);
  return part.empty && part.problem === null;
}

/**
 * Installs the service's standby rule before anything else of a switch, so the
 * Load Balancer Controller makes the receivers' target groups, registers their targets
 * and health-checks them while the receivers' pods start (see core's `standbyActions`).
 * One guarded write of the Ingress, built from the Ingress as read: the standby's
 * annotations, and its rules appended after the Ingress's own. A write the API server
 * refuses for good (403, 422) does not stop the switch: ShiftTraffic writes the standby
 * again with the routing, and the result says why it is not in place yet. A retryable
 * failure is thrown for the workflow to retry.
 */
export async function installStandby(
  service: InferenceService,
  cluster: ClusterGateway,
): Promise<StandbyResult> {
  let problem: string | null = null;
  try {
    const change = await cluster.patchRouting(service, (current): IngressMergePatch | null => {
      const part = standbyPart(current, service);
      problem = part.problem;
      if (part.empty) {
        return null;
      }
      return {
        metadata: { resourceVersion: current.resourceVersion, annotations: part.annotations },
        ...(part.rules.length === 0 ? {} : { addRules: part.rules }),
      };
    });
    return { changed: change.changed, problem };
  } catch (error) {
    if (!(error instanceof SwitchyardError) || error.retryable) {
      throw error;
    }
    return {
      changed: false,
      problem: `the standby rule could not be written: ${error.name}: ${error.message}`,
    };
  }
}
