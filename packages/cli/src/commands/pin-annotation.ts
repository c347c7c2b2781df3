import {
  type EpochMs,
  type IngressMergePatch,
  type IngressState,
  type Mode,
  SWITCHYARD_ANNOTATIONS,
} from "@switchyard/core";
import { UsageError } from "../errors.ts";

/** What `switchyard pin` asks for. */
export interface PinRequest {
  readonly mode: Mode;
  readonly until: EpochMs | null;
  readonly reason: string | null;
}

const DURATION = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$/;
/** RFC 3339 with its offset (Z or ±hh:mm); seconds optional, as `2026-12-02T01:00Z`. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/i;
const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000 } as const;

/**
 * `--until`: a duration from now (`90m`, `2h`, `1d`, `1h30m`) or an RFC 3339 time with
 * its offset. A time without an offset is refused: it would be read in this machine's
 * zone, which the controller (UTC) does not share. Whole seconds, as the annotation is written.
 */
export function parseUntil(text: string, now: Date): EpochMs {
  const value = text.trim();
  const duration = DURATION.exec(value);
  let until: number;
  if (duration !== null && value !== "") {
    const [, d, h, m] = duration;
    until =
      now.getTime() + Number(d ?? 0) * UNIT_MS.d + Number(h ?? 0) * UNIT_MS.h + Number(m ?? 0) * UNIT_MS.m;
  } else if (RFC3339.test(value) && !Number.isNaN(Date.parse(value))) {
    until = Date.parse(value);
  } else {
    throw new UsageError(
      `--until ${JSON.stringify(text)} is neither a duration (90m, 2h, 1d, 1h30m) nor an RFC 3339 time with its offset (2026-12-02T01:00:00Z)`,
    );
  }
  const whole = Math.floor(until / 1000) * 1000;
  if (whole <= now.getTime()) {
    throw new UsageError(
      `--until ${text} is ${whole === now.getTime() ? "now" : "in the past"} (${rfc3339(whole)}; it is ${rfc3339(now.getTime())}): a pin must expire in the future, or leave --until out for a pin without expiry`,
    );
  }
  return whole;
}

/** RFC 3339 in UTC without milliseconds, as the controller's `parsePin` reads it. */
export function rfc3339(at: EpochMs): string {
  return new Date(Math.floor(at / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

/** `switchyard.io/pin`'s value: `capacity`, or `capacity until 2026-12-02T01:00:00Z`. */
export function pinValue(request: Pick<PinRequest, "mode" | "until">): string {
  return request.until === null ? request.mode : `${request.mode} until ${rfc3339(request.until)}`;
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

function annotationsPatch(
  current: IngressState,
  wanted: Readonly<Record<string, string | null>>,
): IngressMergePatch | null {
  const changes = Object.entries(wanted).filter(
    ([key, value]) => (current.annotations[key] ?? null) !== value,
  );
  return changes.length === 0 ? null : { metadata: { annotations: Object.fromEntries(changes) } };
}
