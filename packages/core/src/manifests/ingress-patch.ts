import type { Mode } from "../planning/types.ts";
import { actionAnnotationKey, SWITCHYARD_ANNOTATIONS } from "./annotations.ts";
import { type JsonPatchOperation, jsonPointer } from "./json-patch.ts";

interface IngressRoutingChange {
  readonly action: string;
  /** The rendered forward action (see `renderForwardAction`). */
  readonly actionValue: string;
  readonly mode: Mode;
  /** RFC 3339 time of the switch; passed in, the core reads no clock. */
  readonly transitionAt: string;
  /**
   * Units that caused a failover (written with it), null to remove the annotation (a
   * fallback), undefined to leave it as it is.
   */
  readonly failoverCause?: readonly string[] | null;
  /** The version read before building the patch; the API server answers 409 if it moved. */
  readonly resourceVersion?: string;
}

/** One `spec.rules[]` entry of an Ingress (networking.k8s.io/v1 IngressRule), as Switchyard adds it. */
export interface IngressRuleSpec {
  readonly http: {
    readonly paths: readonly {
      readonly path: string;
      readonly pathType: "Prefix";
      readonly backend: {
        readonly service: { readonly name: string; readonly port: { readonly name: string } };
      };
    }[];
  };
}

/**
 * A change of the Ingress: annotations (JSON merge patch semantics, RFC 7386) and, when
 * `addRules` is not empty, rules appended to `spec.rules` — which a merge patch cannot do
 * without replacing the list, so the gateway then sends a JSON patch (RFC 6902) that adds
 * them after the rules there are, guarded like the merge patch.
 */
export interface IngressMergePatch {
  readonly metadata: {
    readonly resourceVersion?: string;
    /** A null value removes the key (RFC 7386). */
    readonly annotations: Readonly<Record<string, string | null>>;
  };
  /** Rules to append to spec.rules; every other rule stays as it is. */
  readonly addRules?: readonly IngressRuleSpec[];
}

/**
 * JSON merge patch (RFC 7386) that sets only Switchyard's keys: the action annotation,
 * the mode, the last transition and, on failover and fallback, the failover cause. Keys not named are left as they are, so every
 * other annotation, label and the spec stay untouched.
 */
export function ingressRoutingPatch(change: IngressRoutingChange): IngressMergePatch {
  return {
    metadata: {
      ...(change.resourceVersion === undefined ? {} : { resourceVersion: change.resourceVersion }),
      annotations: {
        [actionAnnotationKey(change.action)]: change.actionValue,
        [SWITCHYARD_ANNOTATIONS.mode]: change.mode,
        [SWITCHYARD_ANNOTATIONS.lastTransition]: change.transitionAt,
        ...(change.failoverCause === undefined
          ? {}
          : {
              [SWITCHYARD_ANNOTATIONS.failoverCause]:
                change.failoverCause === null ? null : change.failoverCause.join(","),
            }),
      },
    },
  };
}

/**
 * A merge patch that sets the given annotations, or removes those given as null, and
 * nothing else: Rollback uses it to put back exactly the values read before a switch.
 */
export function ingressAnnotationsPatch(
  annotations: Readonly<Record<string, string | null>>,
  resourceVersion?: string,
): IngressMergePatch {
  return {
    metadata: {
      ...(resourceVersion === undefined ? {} : { resourceVersion }),
      annotations,
    },
  };
}

/** What the JSON patch of an Ingress change must know of the Ingress as read. */
export interface IngressAsRead {
  readonly resourceVersion: string;
  readonly annotations: Readonly<Record<string, string>>;
  /** Whether metadata.annotations exists at all. */
  readonly hasAnnotations: boolean;
  /** Whether spec.rules exists at all. */
  readonly hasRules: boolean;
}

/**
 * The JSON patch (RFC 6902) of a change that appends rules: a `test` of the
 * resourceVersion read (the API server applies the patch to the object as stored, so a
 * write in between fails the test and the gateway reads again), each annotation added or
 * removed, then each rule added at the end of spec.rules. The rules already there, and
 * every other annotation, are not in the patch.
 */
export function ingressJsonPatch(patch: IngressMergePatch, read: IngressAsRead): JsonPatchOperation[] {
  const ops: JsonPatchOperation[] = [
    { op: "test", path: "/metadata/resourceVersion", value: read.resourceVersion },
  ];
  const entries = Object.entries(patch.metadata.annotations);
  if (!read.hasAnnotations && entries.some(([, value]) => value !== null)) {
    ops.push({ op: "add", path: "/metadata/annotations", value: {} });
  }
  for (const [key, value] of entries) {
    const path = jsonPointer(["metadata", "annotations", key]);
    if (value !== null) {
      ops.push({ op: "add", path, value });
    } else if (read.annotations[key] !== undefined) {
      ops.push({ op: "remove", path });
    }
  }
  const rules = patch.addRules ?? [];
  if (rules.length > 0 && !read.hasRules) {
    ops.push({ op: "add", path: "/spec/rules", value: rules });
  } else {
    for (const rule of rules) {
      ops.push({ op: "add", path: "/spec/rules/-", value: rule });
    }
  }
  return ops;
}
