import type { IngressState } from "@switchyard/core";
import { type IngressMergePatch, SWITCHYARD_ANNOTATIONS } from "@switchyard/core/manifests";
import { annotationsPatch } from "./pin-annotation.ts";

/**
 * The merge patch of `switchyard abort`: `switchyard.io/abort` names the running switch
 * to stop, `switchyard.io/abort-reason` says why (a null removes one left by an earlier
 * abort). Only that execution's steps act on it. Null when the Ingress already says so.
 */
export function abortPatch(
  current: IngressState,
  execution: string,
  reason: string | null,
): IngressMergePatch | null {
  return annotationsPatch(current, {
    [SWITCHYARD_ANNOTATIONS.abort]: execution,
    [SWITCHYARD_ANNOTATIONS.abortReason]: reason,
  });
}

/** Removes the abort request once that switch has ended; null when it names another switch (a newer abort) or none. */
export function clearAbortPatch(current: IngressState, execution: string): IngressMergePatch | null {
  if (current.annotations[SWITCHYARD_ANNOTATIONS.abort] !== execution) {
    return null;
  }
  return annotationsPatch(current, {
    [SWITCHYARD_ANNOTATIONS.abort]: null,
    [SWITCHYARD_ANNOTATIONS.abortReason]: null,
  });
}
