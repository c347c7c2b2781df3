import { lossStartedAt, MOVES, type Move, switchToWaitFor } from "@switchyard/core";
import { describe, expect, it } from "vitest";
import { supersedes } from "../../../packages/core/src/decision/supersede.ts";
import { capacityError, MINUTE, switchRecord, T0 } from "../../support/decision-fixtures.ts";

const LOSS = T0 - 2 * MINUTE;
const before = T0 - 10 * MINUTE;
const after = T0 - MINUTE;

describe("Function: supersedes", () => {
  it.each([
    // A failover never waits behind a calm move or a reroute, only behind another failover.
    { move: "failover", running: "fallback", startedAt: after, lossSince: null, supersedes: true },
    { move: "failover", running: "rebalance", startedAt: after, lossSince: null, supersedes: true },
    { move: "failover", running: "reroute", startedAt: after, lossSince: null, supersedes: true },
    { move: "failover", running: "repair", startedAt: after, lossSince: null, supersedes: true },
    { move: "failover", running: "failover", startedAt: before, lossSince: null, supersedes: false },
    // A reroute supersedes a calm move that started before the loss showed…
    { move: "reroute", running: "rebalance", startedAt: before, lossSince: LOSS, supersedes: true },
    { move: "reroute", running: "fallback", startedAt: before, lossSince: LOSS, supersedes: true },
    { move: "reroute", running: "repair", startedAt: before, lossSince: LOSS, supersedes: true },
    // …not one that planned after it, nor without a known start of the loss…
    { move: "reroute", running: "rebalance", startedAt: after, lossSince: LOSS, supersedes: false },
    { move: "reroute", running: "rebalance", startedAt: before, lossSince: null, supersedes: false },
    // …never a failover, nor another reroute for its age (the capacity-error window slides).
    { move: "reroute", running: "failover", startedAt: before, lossSince: LOSS, supersedes: false },
    { move: "reroute", running: "reroute", startedAt: before, lossSince: LOSS, supersedes: false },
    // Calm moves wait.
    { move: "fallback", running: "rebalance", startedAt: before, lossSince: LOSS, supersedes: false },
    { move: "rebalance", running: "repair", startedAt: before, lossSince: LOSS, supersedes: false },
    { move: "repair", running: "rebalance", startedAt: before, lossSince: LOSS, supersedes: false },
  ] as const)("$move over a running $running (started $startedAt, loss $lossSince): $supersedes", (row) => {
    expect(supersedes(row.move, switchRecord(row.running, row.startedAt, "RUNNING"), row.lossSince)).toBe(
      row.supersedes,
    );
  });
});

describe("Function: supersedes — a stale reroute gives way to its correction (issue 17)", () => {
  // The running reroute planned for 1,280 RPS; its plan covers 1,408 with 10 % headroom.
  const running = { ...switchRecord("reroute", before, "RUNNING"), plannedRps: 1280 };
  it.each([
    { case: "demand now past what its plan covers: stale, superseded", demandRps: 2240, supersedes: true },
    { case: "demand now within its headroom: not stale, waited for", demandRps: 1400, supersedes: false },
    {
      case: "demand now lower: a stale move never supersedes a correction",
      demandRps: 900,
      supersedes: false,
    },
  ])("$case", ({ demandRps, supersedes: expected }) => {
    expect(supersedes("reroute", running, LOSS, { demandRps, headroom: 0.1 })).toBe(expected);
  });

  it("does not supersede a reroute whose planned demand is unknown, nor without the new move's sizing", () => {
    const unknown = switchRecord("reroute", before, "RUNNING");
    expect(supersedes("reroute", unknown, LOSS, { demandRps: 5000, headroom: 0.1 })).toBe(false);
    expect(supersedes("reroute", running, LOSS)).toBe(false);
  });

  it("lets a calm move still wait for a stale reroute: only a loss response corrects it", () => {
    expect(supersedes("rebalance", running, null, { demandRps: 5000, headroom: 0.1 })).toBe(false);
  });
});

describe("Function: switchToWaitFor", () => {
  it("looks only at running switches, newest first, and returns the first the move must wait for", () => {
    const switches = [
      switchRecord("rebalance", after, "RUNNING"),
      switchRecord("failover", before, "SUCCEEDED"),
      switchRecord("rebalance", before, "RUNNING"),
    ];
    expect(switchToWaitFor("reroute", switches, LOSS)).toBe(switches[0]);
    expect(switchToWaitFor("failover", switches, null)).toBeUndefined();
    expect(switchToWaitFor("rebalance", [], null)).toBeUndefined();
  });
});

describe("Function: lossStartedAt", () => {
  const signals = [
    capacityError("inf2.xlarge", T0 - 7 * MINUTE),
    capacityError("g5.xlarge", T0 - 4 * MINUTE),
    capacityError("inf2.xlarge", T0 - MINUTE),
    capacityError("inf2.xlarge", T0 + MINUTE),
  ];
  it("is the oldest capacity signal of any type inside the window, for a reroute", () => {
    expect(lossStartedAt("reroute", signals, T0, 5)).toBe(T0 - 4 * MINUTE);
    expect(lossStartedAt("reroute", signals, T0, 10)).toBe(T0 - 7 * MINUTE);
    expect(lossStartedAt("reroute", [], T0, 5)).toBeNull();
  });
  it.each(MOVES.filter((m): m is Exclude<Move, "reroute"> => m !== "reroute"))("is null for a %s", (move) => {
    expect(lossStartedAt(move, signals, T0, 5)).toBeNull();
  });
});
