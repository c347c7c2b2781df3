import { describe, expect, it } from "vitest";
import { MOVES } from "../../../packages/core/src/decision/types.ts";
import {
  executionName,
  executionNameStem,
  parseExecutionName,
} from "../../../packages/core/src/workflow/execution-name.ts";

const AT = Date.UTC(2026, 10, 14, 20, 4);
/** Two 63-character service names (the longest a DNS label allows) that share their first 57. */
const LONG_A = "sd21-stable-diffusion-inference-production-us-west-2-blue-aaaa";
const LONG_B = "sd21-stable-diffusion-inference-production-us-west-2-blue-bbbb";

describe("Function: executionName", () => {
  it("is <service>-<move>-<yyyyMMddHHmm> for a service name that fits", () => {
    expect(executionName("sd21", "failover", AT)).toBe("sd21-failover-202611142004");
  });

  it.each(MOVES)("keeps two long names that share a head apart, within 80 characters (%s)", (move) => {
    const a = executionName(LONG_A, move, AT);
    const b = executionName(LONG_B, move, AT);
    expect(a).not.toBe(b);
    for (const name of [a, b]) {
      expect(name.length).toBeLessThanOrEqual(80);
      expect(name).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(parseExecutionName(name)).toEqual({
        service: executionNameStem(name === a ? LONG_A : LONG_B),
        move,
        stamp: "202611142004",
      });
    }
  });

  it("names a superseding reroute to the second within 80 characters, whatever the stem", () => {
    const name = executionName(LONG_A, "reroute", AT + 30_000, true);
    expect(name.length).toBeLessThanOrEqual(80);
    expect(parseExecutionName(name)).toEqual({
      service: executionNameStem(LONG_A),
      move: "reroute",
      stamp: "20261114200430",
    });
  });

  it("gives a service one stem for every move, so its history reads back whatever the move", () => {
    const stems = new Set(MOVES.map((move) => executionName(LONG_A, move, AT).split(`-${move}-`)[0]));
    expect(stems).toEqual(new Set([executionNameStem(LONG_A)]));
  });
});
