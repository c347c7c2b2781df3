import { decide, type SwitchRecord } from "@switchyard/core";
import { describe, expect, it } from "vitest";
import { lastFallbackUndone, switchesInLastHour } from "../../../packages/core/src/decision/anti-flap.ts";
import {
  calmSignals,
  MINUTE,
  policyOf,
  service,
  state,
  switchRecord,
  T0,
} from "../../support/decision-fixtures.ts";

const policy = policyOf(service());
const inCapacity = (switches: readonly SwitchRecord[]) =>
  state({ mode: "capacity", lastTransitionAt: T0 - 30 * MINUTE, switches });

describe("Anti-flap: switches that moved traffic count, whatever the execution's status", () => {
  it("holds a fallback back when a FAILED fallback moved traffic (and its rollback moved it back) within the hour", () => {
    // Prepare
    // A failover, a fallback that shifted traffic then failed verification and was rolled back, a failover.
    const switches = [
      switchRecord("failover", T0 - 20 * MINUTE),
      { ...switchRecord("fallback", T0 - 40 * MINUTE, "FAILED"), movedTraffic: true },
      switchRecord("failover", T0 - 50 * MINUTE),
    ];

    // Act
    const decision = decide(inCapacity(switches), calmSignals(), policy, T0);

    // Assess
    expect(decision).toMatchObject({ kind: "stay", heldBack: "fallback" });
    expect(decision.evidence).toContainEqual(
      expect.objectContaining({ rule: "switch-cap", observed: 3, passed: false }),
    );
  });

  it("does not count a FAILED execution that stopped before moving traffic", () => {
    // Prepare
    const switches = [
      switchRecord("failover", T0 - 20 * MINUTE),
      { ...switchRecord("fallback", T0 - 40 * MINUTE, "FAILED"), movedTraffic: false },
      switchRecord("failover", T0 - 50 * MINUTE),
    ];

    // Act
    const recent = switchesInLastHour(switches, T0);

    // Assess
    expect(recent).toBe(2);
  });

  it("sees an undone fallback when the fallback failed after moving traffic", () => {
    // Prepare
    const switches = [
      switchRecord("failover", T0 - 10 * MINUTE),
      { ...switchRecord("fallback", T0 - 25 * MINUTE, "TIMED_OUT"), movedTraffic: true },
    ];

    // Act
    const undone = lastFallbackUndone(switches);

    // Assess
    expect(undone).toBe(true);
  });

  it("counts failed plans against the switch cap: a fallback whose Plan keeps failing is held back, not alerted every minute", () => {
    // Prepare: the failover, then three fallbacks that each failed at Plan (each sent a failure alert).
    const failedPlan = (at: number): SwitchRecord => ({
      ...switchRecord("fallback", at, "FAILED"),
      movedTraffic: false,
      planFailed: true,
    });
    const switches = [
      failedPlan(T0 - 3 * MINUTE),
      failedPlan(T0 - 4 * MINUTE),
      switchRecord("failover", T0 - 30 * MINUTE),
    ];

    // Act
    const decision = decide(inCapacity(switches), calmSignals(), policy, T0);

    // Assess
    expect(decision).toMatchObject({ kind: "stay", heldBack: "fallback" });
    const cap = decision.evidence.find((e) => e.rule === "switch-cap");
    expect(cap).toMatchObject({ observed: 3, passed: false });
    expect(cap?.detail).toContain("3 switches in the last hour (2 of them failed at Plan)");
  });
});
