import { type SwitchyardConfig, switchToWaitFor } from "@switchyard/core";
import { executionName, MODE_SWITCH_STEPS } from "@switchyard/core/workflow";
import { describe, expect, it } from "vitest";
import { SimClock } from "../../../packages/sim/src/adapters/sim-clock.ts";
import { StepFunctionsStandIn } from "../../../packages/sim/src/adapters/step-functions-stand-in.ts";
import { SimScheduler } from "../../../packages/sim/src/run/sim-scheduler.ts";
import { SCRIPTED_INPUT, scriptedSteps } from "../../support/scripted-steps.ts";
import { sd21Config } from "../../support/sd21.ts";

function inRegion(region: string): SwitchyardConfig {
  const config = sd21Config();
  return { ...config, cluster: { ...config.cluster, region } };
}

describe("Class: StepFunctionsStandIn", () => {
  it.each([
    ["eu-central-1", "arn:aws:states:eu-central-1:"],
    ["cn-north-1", "arn:aws-cn:states:cn-north-1:"],
    ["us-gov-west-1", "arn:aws-us-gov:states:us-gov-west-1:"],
  ])("names an execution in the config's region and its partition: %s", async (region, prefix) => {
    // Prepare
    const clock = new SimClock(Date.parse(SCRIPTED_INPUT.decidedAt));
    const stepFunctions = new StepFunctionsStandIn({
      config: inRegion(region),
      scheduler: new SimScheduler(clock),
      clock,
      lambdas: Object.fromEntries(
        MODE_SWITCH_STEPS.map((step) => [step, () => scriptedSteps({})(step)]),
      ) as never,
    });

    // Act
    const start = await stepFunctions.start({ name: SCRIPTED_INPUT.executionName, input: SCRIPTED_INPUT });

    // Assess
    expect(start.executionArn).toBe(
      `${prefix}000000000000:execution:switchyard-mode-switch:${SCRIPTED_INPUT.executionName}`,
    );
  });
});

describe("Class: StepFunctionsStandIn — history", () => {
  it("reads a running reroute back as a reroute with the demand it planned for, which a later reroute supersedes only once stale", async () => {
    // Prepare
    const clock = new SimClock(Date.parse(SCRIPTED_INPUT.decidedAt));
    const stepFunctions = new StepFunctionsStandIn({
      config: sd21Config(),
      scheduler: new SimScheduler(clock),
      clock,
      lambdas: Object.fromEntries(
        MODE_SWITCH_STEPS.map((step) => [step, () => scriptedSteps({})(step)]),
      ) as never,
    });
    const name = executionName("sd21", "reroute", clock.now());
    await stepFunctions.start({ name, input: { ...SCRIPTED_INPUT, executionName: name, move: "reroute" } });

    // Act
    const history = await stepFunctions.history("sd21", 0);

    // Assess
    // What it answered comes with it (DescribeExecution's input, in the deployed reader).
    expect(history).toEqual([
      {
        name,
        move: "reroute",
        startedAt: clock.now(),
        status: "RUNNING",
        plannedRps: SCRIPTED_INPUT.demandRps,
        answered: { causes: SCRIPTED_INPUT.causes, conditions: SCRIPTED_INPUT.conditions },
      },
    ]);
    expect(switchToWaitFor("reroute", history, clock.now() + 60_000)?.name).toBe(name);
    const outgrown = { demandRps: SCRIPTED_INPUT.demandRps * 2, headroom: 0.1 };
    expect(switchToWaitFor("reroute", history, clock.now() + 60_000, outgrown)).toBeUndefined();
  });
});
