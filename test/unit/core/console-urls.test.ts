import {
  cloudWatchDashboardUrl,
  stepFunctionsExecutionUrl,
  stepFunctionsStateMachineUrl,
} from "@switchyard/core/deploy";
import { describe, expect, it } from "vitest";

/**
 * Each partition has its own console: `<region>.console.aws.amazon.com` (AWS General
 * Reference, "AWS Management Console endpoints"), console.amazonaws.cn for China and
 * console.amazonaws-us-gov.com for GovCloud (GovCloud (US) User Guide, "Configuring your account").
 */
describe("Function: console URLs", () => {
  it.each([
    ["us-west-2", "aws", "https://us-west-2.console.aws.amazon.com/states/home?region=us-west-2"],
    ["eu-central-1", "aws", "https://eu-central-1.console.aws.amazon.com/states/home?region=eu-central-1"],
    ["cn-north-1", "aws-cn", "https://console.amazonaws.cn/states/home?region=cn-north-1"],
    ["cn-northwest-1", "aws-cn", "https://console.amazonaws.cn/states/home?region=cn-northwest-1"],
    ["us-gov-west-1", "aws-us-gov", "https://console.amazonaws-us-gov.com/states/home?region=us-gov-west-1"],
    ["us-gov-east-1", "aws-us-gov", "https://console.amazonaws-us-gov.com/states/home?region=us-gov-east-1"],
  ])("links %s (partition %s) to its partition's console", (region, partition, home) => {
    const execution = `arn:${partition}:states:${region}:123456789012:execution:ModeSwitch-4f1c2e7:sd21-failover-202611142004`;
    const machine = `arn:${partition}:states:${region}:123456789012:stateMachine:ModeSwitch-4f1c2e7`;

    expect(stepFunctionsExecutionUrl(region, execution)).toBe(`${home}#/v2/executions/details/${execution}`);
    expect(stepFunctionsStateMachineUrl(region, machine)).toBe(`${home}#/statemachines/view/${machine}`);
    expect(cloudWatchDashboardUrl(region, "switchyard-prod")).toBe(
      `${home.replace("/states/", "/cloudwatch/")}#dashboards/dashboard/switchyard-prod`,
    );
  });
});
