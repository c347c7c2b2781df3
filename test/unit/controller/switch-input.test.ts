import { describe, expect, it } from "vitest";
import { parseSwitchInput, parseSwitchState } from "../../../packages/controller/src/switch-state.ts";
import { SCRIPTED_INPUT, scriptedPlan } from "../../support/scripted-steps.ts";

/** What evaluate wrote for a reroute before reroutes had a move of their own. */
const legacyReroute = {
  ...SCRIPTED_INPUT,
  executionName: "sd21-reroute-202411140030",
  move: "rebalance",
  from: "cost",
  to: "cost",
  causes: ["sd21-inf2"],
  urgent: true,
};

describe("Function: parseSwitchInput", () => {
  it.each(["failover", "fallback", "rebalance", "reroute", "repair"])("accepts a %s", (move) => {
    const causes = move === "failover" || move === "reroute" ? ["sd21-inf2"] : [];
    expect(parseSwitchInput({ ...SCRIPTED_INPUT, move, causes }).move).toBe(move);
  });

  it("refuses a move it does not know, naming the field", () => {
    expect(() => parseSwitchInput({ ...SCRIPTED_INPUT, move: "teleport" })).toThrow(/move: /);
  });

  it("reads a rebalance with causes, written before reroutes were their own move, as a reroute", () => {
    expect(parseSwitchInput(legacyReroute)).toMatchObject({
      move: "reroute",
      causes: ["sd21-inf2"],
      urgent: true,
    });
  });

  it("keeps a rebalance without causes a rebalance", () => {
    expect(parseSwitchInput({ ...legacyReroute, causes: [], urgent: false }).move).toBe("rebalance");
  });
});

describe("Function: parseSwitchState", () => {
  it("hands the steps of an execution planned before the upgrade its reroute as a reroute", () => {
    const plan = { ...(scriptedPlan() as object), target: {}, input: legacyReroute };
    expect(parseSwitchState({ plan }).plan.input.move).toBe("reroute");
  });
});
