import { jsonText } from "@switchyard/core";
import { partitionOf } from "@switchyard/core/deploy";
import {
  MODE_SWITCH_STEPS,
  type ModeSwitchStep,
  modeSwitchTiming,
  modeSwitchWorkflow,
} from "@switchyard/core/workflow";
import type { CliIo } from "../io.ts";
import { readConfig } from "./read-config.ts";

/**
 * ARNs that read as what they stand for: the deploy puts the real ones in their place
 * (the account, and the names SST gives the stage's functions and topic, are only known then).
 */
export function placeholderArns(region: string): {
  functions: Record<ModeSwitchStep, string>;
  topicArn: string;
} {
  const partition = partitionOf(region);
  const functions = Object.fromEntries(
    MODE_SWITCH_STEPS.map((step) => [
      step,
      `arn:${partition}:lambda:${region}:ACCOUNT_ID:function:STAGE_FUNCTION_FOR_${step.toUpperCase().replaceAll("-", "_")}`,
    ]),
  ) as Record<ModeSwitchStep, string>;
  return { functions, topicArn: `arn:${partition}:sns:${region}:ACCOUNT_ID:STAGE_ALERTS_TOPIC` };
}

/** `switchyard workflow --config F`: the mode-switch state machine's ASL, as the deploy would create it. */
export async function workflowCommand(io: CliIo, options: { config: string }): Promise<void> {
  const config = await readConfig(io, options.config);
  const region = config.cluster.region;
  const document = modeSwitchWorkflow({
    ...placeholderArns(region),
    region,
    timing: modeSwitchTiming(config),
  });
  io.stdout(jsonText(document));
}
