import { modeSwitchName, stageProblem } from "@switchyard/core/deploy";
import { describe, expect, it } from "vitest";

describe("Function: stageProblem", () => {
  it.each(["prod", "prod-us-west-2", "hw-agnostic-infer", "a".repeat(57)])("accepts %s", (stage) => {
    expect(stageProblem(stage)).toBeNull();
    expect(modeSwitchName(stage).length).toBeLessThanOrEqual(80);
  });

  it.each([
    ["prod b", /letters, digits and "-"/],
    ["-prod", /starting with a letter or digit/],
    ["prod_b", /letters, digits and "-"/],
    ["a".repeat(58), /58 characters; at most 57 fit the state machine's name switchyard-<stage>-mode-switch/],
  ])("refuses %j, saying why", (stage, message) => {
    expect(stageProblem(stage)).toMatch(message);
  });
});
