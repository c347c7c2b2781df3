import { MOVES, type Move } from "../decision/types.ts";
import type { EpochMs } from "../signals/types.ts";

/** Step Functions allows 1-80 characters of A-Z a-z 0-9 - _ in an execution name. */
const MAX_NAME = 80;

/**
 * `-<move>-<yyyyMMddHHmm>` for the longest move: what every name must leave room for. A
 * superseding reroute's name is to the second (two digits more), and fits too: `reroute`
 * is two characters shorter than the longest move.
 */
const LONGEST_SUFFIX = 2 + Math.max(...MOVES.map((m) => m.length)) + 12;

/** `-` and seven base-36 digits of a 32-bit hash. */
const HASH_LENGTH = 8;

/** FNV-1a, 32 bits: a short, stable fingerprint of a service name (not a security hash). */
function fingerprint(text: string): string {
  let hash = 0x811c9dc5;
  for (const char of text) {
    hash ^= char.codePointAt(0) ?? 0;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(36).padStart(HASH_LENGTH - 1, "0");
}

/**
 * The service's part of its execution names: the name itself when it fits beside the
 * longest move and the minute, else its head and a hash of the whole name, so two long
 * names that share a head stay apart (cut alone, they would share every execution name:
 * the second service's moves refused as already started, its history the other's).
 */
export function executionNameStem(service: string): string {
  const safe = service.replace(/[^A-Za-z0-9_-]/g, "-");
  if (safe.length <= MAX_NAME - LONGEST_SUFFIX) {
    return safe;
  }
  return `${safe.slice(0, MAX_NAME - LONGEST_SUFFIX - HASH_LENGTH)}-${fingerprint(service)}`;
}

/**
 * `<service>-<move>-<yyyyMMddHHmm>` (UTC): the idempotency key of a mode switch. Two
 * evaluations in the same minute that want the same move get the same name, and Step
 * Functions refuses the second. A long service name is cut and hashed
 * (`executionNameStem`) so the move and minute stay and names stay unique per service.
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
  return `${executionNameStem(service)}-${move}-${stamp}`;
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
