import {
  DURATION_EXAMPLES,
  type EpochMs,
  formatRfc3339,
  type IngressState,
  isWritableInstant,
  type Mode,
  parseDuration,
  parseRfc3339,
  RFC3339_EXAMPLE,
} from "@switchyard/core";
import { type IngressMergePatch, SWITCHYARD_ANNOTATIONS } from "@switchyard/core/manifests";
import { UsageError } from "../errors.ts";

/** What `switchyard pin` asks for. */
export interface PinRequest {
  readonly mode: Mode;
  readonly until: EpochMs | null;
  readonly reason: string | null;
}

/**
 * `--until`: a duration from now in the scenario files' grammar (`90m`, `2h`, `1d`,
 * `1h30m`) or an RFC 3339 time with its offset, read by core's one strict parser (no
 * February 30, no time without seconds or offset: a time without an offset would be
 * read in this machine's zone, which the controller, in UTC, does not share). Whole
 * seconds, as the annotation is written.
 */
export function parseUntil(text: string, now: Date): EpochMs {
  const value = text.trim();
  const duration = parseDuration(value);
  const until = duration !== null ? now.getTime() + duration : parseRfc3339(value);
  if (until === null) {
    throw new UsageError(
      `--until ${JSON.stringify(text)} is neither a duration (${DURATION_EXAMPLES}) nor an RFC 3339 time with its offset (${RFC3339_EXAMPLE}) on a day that exists`,
    );
  }
  if (!isWritableInstant(until)) {
    throw new UsageError(
      `--until ${JSON.stringify(text)} is past the year 9999; leave --until out for a pin without expiry`,
    );
  }
  const whole = Math.floor(until / 1000) * 1000;
  if (whole <= now.getTime()) {
    throw new UsageError(
      `--until ${text} is ${whole === now.getTime() ? "now" : "in the past"} (${formatRfc3339(whole)}; it is ${formatRfc3339(now.getTime())}): a pin must expire in the future, or leave --until out for a pin without expiry`,
    );
  }
  return whole;
}

/** `switchyard.io/pin`'s value: `capacity`, or `capacity until 2026-12-02T01:00:00Z`. */
export function pinValue(request: Pick<PinRequest, "mode" | "until">): string {
  return request.until === null ? request.mode : `${request.mode} until ${formatRfc3339(request.until)}`;
}

/**
 * The merge patch that pins: Switchyard's pin and pin-reason annotations only (a null
 * removes a reason left from an earlier pin). Null when the Ingress already says so.
 */
export function pinPatch(current: IngressState, request: PinRequest): IngressMergePatch | null {
  return annotationsPatch(current, {
    [SWITCHYARD_ANNOTATIONS.pin]: pinValue(request),
    [SWITCHYARD_ANNOTATIONS.pinReason]: request.reason,
  });
}

/** The merge patch that unpins: removes Switchyard's pin and pin-reason, nothing else; null when neither is set. */
export function unpinPatch(current: IngressState): IngressMergePatch | null {
  return annotationsPatch(current, {
    [SWITCHYARD_ANNOTATIONS.pin]: null,
    [SWITCHYARD_ANNOTATIONS.pinReason]: null,
  });
}

/** A merge patch of Switchyard's annotations that differ from `wanted` (null removes one); null when none does. */
export function annotationsPatch(
  current: IngressState,
  wanted: Readonly<Record<string, string | null>>,
): IngressMergePatch | null {
  const changes = Object.entries(wanted).filter(
    ([key, value]) => (current.annotations[key] ?? null) !== value,
  );
  return changes.length === 0 ? null : { metadata: { annotations: Object.fromEntries(changes) } };
}
