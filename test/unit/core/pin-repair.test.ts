import { parsePin } from "@switchyard/core";
import { describe, expect, it } from "vitest";
import { pinGate, pinHolds } from "../../../packages/core/src/decision/pin.ts";
import { annotationEvidence } from "../../../packages/core/src/decision/repair.ts";
import { state, T0 } from "../../support/decision-fixtures.ts";

describe("Function: pinGate", () => {
  it.each([
    {
      raw: "capacity",
      detail: "pinned to capacity mode by switchyard.io/pin without expiry: observing only",
    },
    {
      raw: "cost until 2026-11-21T18:00:00Z",
      detail: "pinned to cost mode by switchyard.io/pin until 2026-11-21T18:00:00.000Z: observing only",
    },
  ])("passes for a pin that holds: $raw", ({ raw, detail }) => {
    const pin = parsePin(raw, "cost");
    expect(pinHolds(pin, T0)).toBe(true);
    expect(pinGate(pin)).toEqual({ rule: "pin", observed: raw, threshold: null, passed: true, detail });
  });

  it("holds no longer once it expires", () => {
    expect(pinHolds(parsePin("cost until 2026-11-14T21:19:59Z", "cost"), T0)).toBe(false);
    expect(pinHolds(null, T0)).toBe(false);
  });
});

describe("Function: annotationEvidence", () => {
  it.each([
    { actionProblem: null, expected: [] },
    {
      actionProblem:
        "Ingress default/sd21 annotation alb.ingress.kubernetes.io/actions.weighted-routing: is not valid JSON",
      expected: [
        {
          rule: "action-annotation",
          observed:
            "Ingress default/sd21 annotation alb.ingress.kubernetes.io/actions.weighted-routing: is not valid JSON",
          threshold: null,
          breached: true,
          detail:
            "Ingress default/sd21 annotation alb.ingress.kubernetes.io/actions.weighted-routing: is not valid JSON",
        },
      ],
    },
  ])("action problem $actionProblem", ({ actionProblem, expected }) => {
    expect(annotationEvidence(state({ actionProblem }))).toEqual(expected);
  });
});
