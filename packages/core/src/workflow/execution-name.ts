import { MOVES, type Move } from "../decision/types.ts";
import type { EpochMs } from "../signals/types.ts";

/** Step Functions allows 1-80 characters of A-Z a-z 0-9 - _ in an execution name. */
const MAX_NAME = 80;

/**
 * `<service>-<move>-<yyyyMMddHHmm>` (UTC): the idempotency key of a mode switch. Two
 * evaluations in the same minute that want the same move get the same name, and Step
 * Functions refuses the second. A long service name is cut so the move and minute stay.
 * ListExecutions answers names, not inputs: the move in the name is how the next
 * evaluation tells a reroute from a calm rebalance (it supersedes only the calm one).
 */
export function executionName(service: string, move: Move, at: EpochMs, toTheSecond = false): string {
  const d = new Date(at);
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  const minute = `${pad(d.getUTCFullYear(), 4)}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}`;
  // A reroute that supersedes the same minute's reroute (a new Spot loss it was not
  // planned for) needs a name of its own: `<yyyyMMddHHmmss>`.
  const stamp = toTheSecond ? `${minute}${pad(d.getUTCSeconds())}` : minute;
  const suffix = `-${move}-${stamp}`;
  const safe = service.replace(/[^A-Za-z0-9_-]/g, "-").slice(0, MAX_NAME - suffix.length);
  return `${safe}${suffix}`;
}

const NAME = new RegExp(`^(.+)-(${MOVES.join("|")})-(\\d{12}(?:\\d{2})?)$`);

/** Reads back the move and service of a name made by `executionName`, or null for any other name. */
export function parseExecutionName(name: string): { service: string; move: Move; stamp: string } | null {
  const match = NAME.exec(name);
  if (match === null) {
    return null;
  }
  return { service: match[1] as string, move: match[2] as Move, stamp: match[3] as string };
}
