import type { Mode } from "../planning/types.ts";
import { actionAnnotationKey, SWITCHYARD_ANNOTATIONS } from "./annotations.ts";

export interface IngressRoutingChange {
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

export interface IngressMergePatch {
  readonly metadata: {
    readonly resourceVersion?: string;
    /** A null value removes the key (RFC 7386). */
    readonly annotations: Readonly<Record<string, string | null>>;
  };
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
