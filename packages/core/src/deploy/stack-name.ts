/**
 * How a deployed Switchyard stack is named, so that the CLI finds it without the
 * deploy's `.sst/outputs.json`. One stack per cluster: each cluster is its own SST stage
 * (`sst deploy --stage <stage>`), and every resource with a name of its own carries the
 * app and the stage (SST's `$app.name` and `$app.stage`, which it also puts on every AWS
 * resource as the tags `sst:app` and `sst:stage`: sst/sst pkg/project/provider/aws.go,
 * `defaultTags`), so several stages live side by side in one account and Region.
 */

/** sst.config.ts's app name. */
export const SST_APP_NAME = "switchyard";

/** Step Functions state machine names: 1–80 characters of letters, digits, `-` and `_` (CreateStateMachine). */
const STATE_MACHINE_NAME_MAX = 80;

const STAGE = /^[A-Za-z0-9][A-Za-z0-9-]*$/;

/** `switchyard-<stage>-mode-switch`: the mode-switch state machine, and its log group's last segment. */
export function modeSwitchName(stage: string, app: string = SST_APP_NAME): string {
  return `${app}-${stage}-mode-switch`;
}

/** Why `stage` cannot name a stack (null when it can): what to pass to `--stage` instead. */
export function stageProblem(stage: string, app: string = SST_APP_NAME): string | null {
  if (!STAGE.test(stage)) {
    return `stage "${stage}" must be letters, digits and "-", starting with a letter or digit (e.g. prod-us-west-2 or the cluster's name)`;
  }
  const longest = STATE_MACHINE_NAME_MAX - modeSwitchName("", app).length;
  if (stage.length > longest) {
    return `stage "${stage}" is ${stage.length} characters; at most ${longest} fit the state machine's name ${modeSwitchName("<stage>", app)} (80 characters at most)`;
  }
  return null;
}
