import type { Stickiness } from "../config/types.ts";
import { ManifestError } from "../errors.ts";
import type { RoutingPlan } from "../planning/types.ts";
import { MAX_ALB_WEIGHT } from "../planning/weights.ts";
import { portToWrite } from "./port-form.ts";

/** A target group of an AWS Load Balancer Controller forward action (pkg/ingress/config_types.go). */
interface TargetGroupTuple {
  readonly serviceName?: string;
  readonly servicePort?: number | string;
  readonly targetGroupARN?: string;
  readonly targetGroupName?: string;
  readonly weight?: number;
}

export interface ForwardAction {
  readonly type: "forward";
  readonly forwardConfig: {
    readonly targetGroups: readonly TargetGroupTuple[];
    readonly targetGroupStickinessConfig?: { readonly enabled?: boolean; readonly durationSeconds?: number };
  };
}

/**
 * The fields the Load Balancer Controller decodes from an action annotation
 * (pkg/ingress/config_types.go: Action, ForwardActionConfig, TargetGroupTuple,
 * TargetGroupStickinessConfig), by their JSON tags. A nested shape is an object
 * (`{...}`) or a list of objects (`[{...}]`); `true` is a plain value.
 */
type Shape = true | ObjectShape | readonly [ObjectShape];
interface ObjectShape {
  readonly [field: string]: Shape;
}

const ACTION_SHAPE: ObjectShape = {
  type: true,
  targetGroupARN: true,
  targetGroupName: true,
  fixedResponseConfig: { contentType: true, messageBody: true, statusCode: true },
  redirectConfig: { host: true, path: true, port: true, protocol: true, query: true, statusCode: true },
  forwardConfig: {
    targetGroups: [
      { targetGroupARN: true, targetGroupName: true, serviceName: true, servicePort: true, weight: true },
    ],
    targetGroupStickinessConfig: { enabled: true, durationSeconds: true },
  },
};

/**
 * Go's encoding/json case folding for ASCII field names: `toLowerCase`, plus the two
 * non-ASCII letters that fold onto ASCII ones (U+017F ſ → s; U+212A K lowercases to k).
 */
const fold = (name: string): string => name.toLowerCase().replaceAll("\u017f", "s");

/**
 * The value as the Load Balancer Controller's `json.Unmarshal` sees it: each key goes
 * to the field whose tag it matches exactly, else case-insensitively (encoding/json's
 * Unmarshal docs); a later key for the same field overwrites an earlier one, an exact
 * match included (golang/go#43664); keys no field matches are ignored. Values (the
 * action `type` among them) stay as written: the controller compares them exactly.
 */
function asDecoded(value: unknown, shape: Shape): unknown {
  if (shape === true || typeof value !== "object" || value === null) {
    return value;
  }
  if (Array.isArray(shape)) {
    return Array.isArray(value) ? value.map((item) => asDecoded(item, shape[0])) : value;
  }
  if (Array.isArray(value)) {
    return value;
  }
  const fields = Object.keys(shape);
  const decoded: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const field = fields.includes(key) ? key : fields.find((f) => fold(f) === fold(key));
    if (field !== undefined) {
      decoded[field] = asDecoded(item, (shape as ObjectShape)[field] as Shape);
    }
  }
  return decoded;
}

/**
 * Reads the JSON value of an `actions.<name>` annotation, matching field names as the
 * Load Balancer Controller does (a hand-written `"Type"` or `"ServiceName"` is read,
 * and comes back with the documented casing). Throws a `ManifestError` naming `where`
 * when the value is not JSON or not a forward action with forwardConfig.
 */
export function parseForwardAction(value: string, where: string): ForwardAction {
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch (cause) {
    throw new ManifestError(`${where}: is not valid JSON (${(cause as Error).message})`, {
      object: where,
      cause,
    });
  }
  const parsed = asDecoded(json, ACTION_SHAPE);
  if (typeof parsed !== "object" || parsed === null || (parsed as { type?: unknown }).type !== "forward") {
    throw new ManifestError(
      `${where}: is not a forward action: expected {"type":"forward","forwardConfig":{...}}`,
      { object: where },
    );
  }
  const forwardConfig = (parsed as { forwardConfig?: unknown }).forwardConfig;
  if (
    typeof forwardConfig !== "object" ||
    forwardConfig === null ||
    !Array.isArray((forwardConfig as { targetGroups?: unknown }).targetGroups)
  ) {
    throw new ManifestError(`${where}: has no forwardConfig.targetGroups list`, { object: where });
  }
  return parsed as ForwardAction;
}

/**
 * A valid action of the Load Balancer Controller that Switchyard does not write — a
 * `forward` to one target group by ARN or name (the simplified schema), a
 * `fixed-response` or a `redirect` — described for an operator; null for anything else
 * (a forward with forwardConfig, which Switchyard reads, or a value the controller would
 * refuse). Valid as `Action.validate` checks it (kubernetes-sigs/aws-load-balancer-controller
 * v3.5.0 pkg/ingress/config_types.go): a fixed-response or redirect needs its config with
 * a statusCode; a simplified forward has an ARN or a name and no forwardConfig.
 */
export function foreignActionOf(value: string): string | null {
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    return null;
  }
  const action = asDecoded(json, ACTION_SHAPE);
  if (typeof action !== "object" || action === null || Array.isArray(action)) {
    return null;
  }
  const fields = action as Record<string, unknown>;
  const text = (field: unknown): string | undefined =>
    typeof field === "string" && field !== "" ? field : undefined;
  const statusOf = (config: unknown): string | undefined =>
    typeof config === "object" && config !== null
      ? text((config as { statusCode?: unknown }).statusCode)
      : undefined;
  switch (fields.type) {
    case "fixed-response": {
      const status = statusOf(fields.fixedResponseConfig);
      return status === undefined ? null : `a fixed-response action (status ${status})`;
    }
    case "redirect": {
      const status = statusOf(fields.redirectConfig);
      return status === undefined ? null : `a redirect action (${status})`;
    }
    case "forward": {
      const arn = text(fields.targetGroupARN);
      const name = text(fields.targetGroupName);
      if (fields.forwardConfig !== undefined || (arn === undefined) === (name === undefined)) {
        return null;
      }
      return `a forward to target group ${arn ?? name}`;
    }
    default:
      return null;
  }
}

interface RenderOptions {
  /** From the service's config; wins over the current annotation's. */
  readonly stickiness?: Stickiness;
  /** The annotation as found on the Ingress: its stickiness and target-group order are kept. */
  readonly current?: ForwardAction;
  /**
   * The ports the Ingress already names each Service by (`portsNamedByIngress`): each
   * servicePort is written in the form the Ingress uses (`portToWrite`), so its target
   * group is kept. Without it, the config's ports are written.
   */
  readonly ingressPorts?: ReadonlyMap<string, readonly (number | string)[]>;
}

/**
 * The annotation value in the exact form the Load Balancer Controller reads:
 * `{"type":"forward","forwardConfig":{"targetGroups":[{serviceName,servicePort,weight}],
 * "targetGroupStickinessConfig":{...}}}`. Target groups already in the current
 * annotation keep their order (a hand-written order stays readable in diffs);
 * new ones follow in config order. Each servicePort is in the form the Ingress already
 * names the Service by, when it does (see `portToWrite`).
 */
export function renderForwardAction(routing: RoutingPlan, options: RenderOptions = {}): string {
  for (const group of routing.targetGroups) {
    if (!Number.isInteger(group.weight) || group.weight < 0 || group.weight > MAX_ALB_WEIGHT) {
      const object = `target group ${group.serviceName}`;
      throw new ManifestError(`${object}: weight ${group.weight} is outside the ALB's 0-${MAX_ALB_WEIGHT}`, {
        object,
      });
    }
  }
  const currentOrder = (options.current?.forwardConfig.targetGroups ?? []).map((g) => g.serviceName);
  const rank = (name: string): number => {
    const at = currentOrder.indexOf(name);
    return at === -1 ? Number.MAX_SAFE_INTEGER : at;
  };
  const ordered = routing.targetGroups
    .map((group, index) => ({ group, index }))
    .sort((a, b) => rank(a.group.serviceName) - rank(b.group.serviceName) || a.index - b.index)
    .map(({ group }) => ({
      serviceName: group.serviceName,
      servicePort:
        options.ingressPorts === undefined
          ? group.servicePort
          : portToWrite(group.serviceName, group.servicePort, options.ingressPorts),
      weight: group.weight,
    }));

  const stickiness = options.stickiness ?? options.current?.forwardConfig.targetGroupStickinessConfig;
  const action: ForwardAction = {
    type: "forward",
    forwardConfig: {
      targetGroups: ordered,
      ...(stickiness === undefined
        ? {}
        : {
            targetGroupStickinessConfig: {
              ...(stickiness.enabled === undefined ? {} : { enabled: stickiness.enabled }),
              ...(stickiness.durationSeconds === undefined
                ? {}
                : { durationSeconds: stickiness.durationSeconds }),
            },
          }),
    },
  };
  return JSON.stringify(action);
}

/**
 * The target groups of an action that route to something the service's config does not
 * name: a Service that is neither a unit's nor the consolidated one, or a tuple addressed
 * by target-group ARN or name (another team's canary, a hand-added blue/green). Switchyard
 * writes the whole action, so it must not touch one that holds any of these.
 */
export function foreignTargetGroups(
  action: ForwardAction,
  ownServices: readonly string[],
): readonly TargetGroupTuple[] {
  return action.forwardConfig.targetGroups.filter(
    (group) => group.serviceName === undefined || !ownServices.includes(group.serviceName),
  );
}

/** A target group as an operator would name it in a message. */
export function describeTargetGroup(group: TargetGroupTuple): string {
  const what =
    group.serviceName !== undefined
      ? `Service ${group.serviceName}${group.servicePort === undefined ? "" : `:${group.servicePort}`}`
      : group.targetGroupARN !== undefined
        ? `target group ${group.targetGroupARN}`
        : `target group ${group.targetGroupName ?? "(unnamed)"}`;
  return `${what} (weight ${group.weight ?? 1})`;
}
