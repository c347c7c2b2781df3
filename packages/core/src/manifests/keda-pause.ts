import { KEDA_PAUSED_REPLICAS } from "./annotations.ts";

/**
 * KEDA's pause annotations on a ScaledObject (kedacore/keda v2.18.3–v2.20.2
 * apis/keda/v1alpha1/scaledobject_types.go l.58-61): `paused-replicas` (v2.7) scales the
 * workload to the count and stops autoscaling, `paused` (v2.12) freezes it as it is,
 * `paused-scale-in` and `paused-scale-out` (v2.18) block one direction while KEDA goes
 * on scaling the other.
 */
const KEDA_PAUSE_ANNOTATIONS = [
  KEDA_PAUSED_REPLICAS,
  "autoscaling.keda.sh/paused",
  "autoscaling.keda.sh/paused-scale-in",
  "autoscaling.keda.sh/paused-scale-out",
] as const;

/** The values Go's strconv.ParseBool reads as false; it reads 1, t, T, TRUE, true and True as true. */
const GO_FALSE = new Set(["0", "f", "F", "FALSE", "false", "False"]);

/**
 * Whether KEDA reads a boolean pause annotation as set: present and not a Go `false`.
 * KEDA's `getBoolAnnotation` (scaledobject_types.go v2.20.2 l.269-280) takes a value that
 * is not a boolean as true ("if annotation value is not a boolean, we assume true").
 */
function pausesKeda(value: string | undefined): boolean {
  return value !== undefined && !GO_FALSE.has(value);
}

/**
 * The pauses KEDA obeys on a ScaledObject, as `key=value`: `paused-replicas` whenever it
 * is present, whatever its value (`NeedToBePausedByAnnotation`, l.245-252), the other
 * three when they read as true.
 */
export function kedaPauses(annotations: Readonly<Record<string, string>>): string[] {
  return KEDA_PAUSE_ANNOTATIONS.flatMap((key) => {
    const value = annotations[key];
    const inEffect = key === KEDA_PAUSED_REPLICAS ? value !== undefined : pausesKeda(value);
    return inEffect ? [`${key}=${value}`] : [];
  });
}
