import type { IngressState } from "../cluster/types.ts";
import { parseForwardAction } from "./forward-action.ts";
import { normalizedPort } from "./port-form.ts";

/** The annotation prefix of every AWS Load Balancer Controller action. */
const ACTION_PREFIX = "alb.ingress.kubernetes.io/actions.";

/** The port name by which an Ingress backend points at an action annotation. */
export const USE_ANNOTATION = "use-annotation";

/**
 * Each Service the Ingress names, with the ports it names it by: in every forward action
 * annotation (`actions.<name>`, Switchyard's or not; one that does not read as a forward
 * action names nothing) and in its rules' and default backend. Each port as the
 * controller normalizes it.
 */
export function portsNamedByIngress(
  ingress: IngressState,
): ReadonlyMap<string, readonly (number | string)[]> {
  const named = new Map<string, (number | string)[]>();
  const add = (service: string, port: number | string | undefined): void => {
    if (port === undefined) {
      return;
    }
    const ports = named.get(service) ?? [];
    const value = normalizedPort(port);
    if (!ports.includes(value)) {
      ports.push(value);
    }
    named.set(service, ports);
  };
  for (const [key, value] of Object.entries(ingress.annotations)) {
    if (!key.startsWith(ACTION_PREFIX)) {
      continue;
    }
    let groups: ReturnType<typeof parseForwardAction>["forwardConfig"]["targetGroups"];
    try {
      groups = parseForwardAction(value, key).forwardConfig.targetGroups;
    } catch {
      continue;
    }
    for (const group of groups) {
      if (group.serviceName !== undefined) {
        add(group.serviceName, group.servicePort);
      }
    }
  }
  for (const backend of ingress.backends ?? []) {
    if (backend.port !== USE_ANNOTATION) {
      add(backend.service, backend.port);
    }
  }
  return named;
}
