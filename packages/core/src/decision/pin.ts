import type { Mode } from "../planning/types.ts";
import type { EpochMs } from "../signals/types.ts";
import { parseRfc3339 } from "../time.ts";
import { detail } from "./reasons.ts";
import type { Gate, Pin } from "./types.ts";

const PIN = /^\s*(cost|capacity)(?:\s+until\s+(\S+))?\s*$/;

/**
 * Reads `switchyard.io/pin`: `cost`, `capacity`, or either followed by `until <RFC 3339>`.
 * A value that cannot be read still holds the service (in `currentMode`): an operator
 * who pinned meant the controller to stop, and a typo must not undo that.
 */
export function parsePin(raw: string, currentMode: Mode): Pin {
  const match = PIN.exec(raw);
  if (match === null) {
    return {
      mode: currentMode,
      until: null,
      raw,
      problem: `switchyard.io/pin "${raw}" is not "cost", "capacity" or "<mode> until <RFC 3339 time>"; holding the service in ${currentMode} mode until it is fixed or removed`,
    };
  }
  const mode = match[1] as Mode;
  const untilText = match[2];
  if (untilText === undefined) {
    return { mode, until: null, raw };
  }
  const until = parseRfc3339(untilText);
  if (until === null) {
    return {
      mode,
      until: null,
      raw,
      problem: `switchyard.io/pin expiry "${untilText}" is not an RFC 3339 time such as 2026-11-21T18:00:00Z; holding without expiry`,
    };
  }
  return { mode, until, raw };
}

export function pinHolds(pin: Pin | null, now: EpochMs): pin is Pin {
  return pin !== null && (pin.until === null || pin.until > now);
}

/** The pin gate: an operator's pin holds the service, so the controller only observes. */
export function pinGate(pin: Pin): Gate {
  return {
    rule: "pin",
    observed: pin.raw,
    threshold: null,
    passed: true,
    detail: detail({ rule: "pin", pin }),
  };
}
