import { shellQuote } from "@switchyard/core";
import { modeSwitchName, stageProblem } from "@switchyard/core/deploy";
import { InputFileError, UnreachableError, UsageError } from "../errors.ts";
import type { CliIo } from "../io.ts";

/**
 * Where `sst deploy` writes the outputs of `run()` (sst.config.ts): `.sst/outputs.json`
 * under the app's root, one flat JSON object, rewritten by every deploy of any stage
 * (sst/sst pkg/project/stack.go, `outputsFilePath`).
 */
const SST_OUTPUTS_FILE = ".sst/outputs.json";

const STATE_MACHINE_ARN = /^arn:[a-z-]+:states:([a-z0-9-]+):\d{12}:stateMachine:[A-Za-z0-9_-]{1,80}$/;

/** The Region of an ARN `STATE_MACHINE_ARN` matched: the stack's, which may differ from the cluster's. */
function regionOf(arn: string): string {
  return STATE_MACHINE_ARN.exec(arn)?.[1] as string;
}

export interface DeployedStack {
  readonly stateMachineArn: string;
  /** The state machine's Region, from its ARN. */
  readonly region: string;
  /** Where the ARN came from, for the header line. */
  readonly from: string;
  readonly stage: string | null;
}

export interface DeployedStackOptions {
  readonly stateMachineArn?: string;
  readonly outputs?: string;
  readonly stage?: string;
}

/**
 * Finds a state machine by name in a Region (ListStateMachines), or null when there is
 * none. The command passes one over the operator's credentials; the error it throws for
 * an unreachable Step Functions says what to check.
 */
export type FindStateMachine = (name: string, region: string) => Promise<string | null>;

/**
 * The mode-switch state machine of one deployed stack (one stage, one cluster):
 * `--state-machine-arn`; else `--outputs`, the outputs file `sst deploy` wrote; else, with
 * `--stage`, `.sst/outputs.json` in this folder if it is that stage's, or the stage's
 * machine by its name (`switchyard-<stage>-mode-switch`, infra/workflow.ts) in `region`,
 * which works from any folder; else `.sst/outputs.json` in this folder.
 */
export async function deployedStack(
  io: CliIo,
  options: DeployedStackOptions,
  region: string,
  find: FindStateMachine,
): Promise<DeployedStack> {
  if (options.stage !== undefined) {
    const problem = stageProblem(options.stage);
    if (problem !== null) {
      throw new UsageError(`--stage: ${problem}`);
    }
  }
  if (options.stateMachineArn === undefined && options.outputs === undefined && options.stage !== undefined) {
    const here = await stageOutputs(io, options.stage);
    return here ?? (await stageByName(options.stage, region, find));
  }
  if (options.stateMachineArn !== undefined) {
    if (!STATE_MACHINE_ARN.test(options.stateMachineArn)) {
      throw new UsageError(
        `--state-machine-arn ${options.stateMachineArn} is not a state machine ARN (arn:aws:states:<region>:<account>:stateMachine:<name>); the stack's stateMachine output is one`,
      );
    }
    return {
      stateMachineArn: options.stateMachineArn,
      region: regionOf(options.stateMachineArn),
      from: "--state-machine-arn",
      stage: options.stage ?? null,
    };
  }
  const file = options.outputs ?? SST_OUTPUTS_FILE;
  const how = (nothingDeployed: boolean): string => howToName(options, nothingDeployed);
  let text: string;
  try {
    text = await io.readFile(file);
  } catch (error) {
    if (error instanceof InputFileError) {
      throw new UnreachableError(`no deployed stack outputs: ${error.message}; ${how(true)}`, {
        cause: error,
      });
    }
    throw error;
  }
  let outputs: unknown;
  try {
    outputs = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file} is not JSON (${(error as Error).message}); ${how(false)}`);
  }
  const record = (typeof outputs === "object" && outputs !== null ? outputs : {}) as Record<string, unknown>;
  const arn = record.stateMachine;
  if (typeof arn !== "string" || !STATE_MACHINE_ARN.test(arn)) {
    throw new UnreachableError(
      `${file} has no stateMachine output${arn === undefined ? "" : ` (got ${JSON.stringify(arn)})`}: it is not the outputs of Switchyard's stack (sst.config.ts returns stateMachine), or its last deploy failed; ${how(false)}`,
    );
  }
  const stage = typeof record.stage === "string" ? record.stage : null;
  if (options.stage !== undefined && stage !== options.stage) {
    throw new UnreachableError(
      `${file} ${stage === null ? "does not say which stage it is from" : `holds the outputs of stage ${stage}`}, not ${options.stage}: SST keeps only the last deploy's outputs; ${how(false)}`,
    );
  }
  return { stateMachineArn: arn, region: regionOf(arn), from: file, stage };
}

/** `.sst/outputs.json` here, when it exists and holds `stage`'s outputs; null otherwise. */
async function stageOutputs(io: CliIo, stage: string): Promise<DeployedStack | null> {
  let text: string;
  try {
    text = await io.readFile(SST_OUTPUTS_FILE);
  } catch (error) {
    if (error instanceof InputFileError) {
      return null;
    }
    throw error;
  }
  try {
    const record = JSON.parse(text) as Record<string, unknown>;
    const arn = record.stateMachine;
    return record.stage === stage && typeof arn === "string" && STATE_MACHINE_ARN.test(arn)
      ? { stateMachineArn: arn, region: regionOf(arn), from: SST_OUTPUTS_FILE, stage }
      : null;
  } catch {
    return null;
  }
}

/** The stage's state machine by its name, in `region`. */
async function stageByName(stage: string, region: string, find: FindStateMachine): Promise<DeployedStack> {
  const name = modeSwitchName(stage);
  const arn = await find(name, region);
  if (arn === null || !STATE_MACHINE_ARN.test(arn)) {
    throw new UnreachableError(
      `no state machine ${name} in ${region} for stage ${stage} in the account of your AWS credentials: check the stage (\`npx sst deploy --stage ${shellQuote(stage)}\` creates it), the Region (--region) and the account (--profile, \`aws sts get-caller-identity\`), or pass --state-machine-arn ARN`,
    );
  }
  return { stateMachineArn: arn, region: regionOf(arn), from: `its name in ${region}`, stage };
}

/**
 * What to do when the outputs do not name the machine. A read (status at 3 a.m.) needs the ARN, not a
 * deploy: lead with --stage (found by name) or --state-machine-arn and how to list it. The machine
 * is the stack's `switchyard-<stage>-mode-switch` (infra/workflow.ts), one per stage. Deploying is advice
 * only when no outputs exist at all, and --outputs only when the user did not already pass it.
 */
function howToName(options: DeployedStackOptions, nothingDeployed: boolean): string {
  const stage = options.stage === undefined ? "" : ` --stage ${shellQuote(options.stage)}`;
  const ways = [
    ...(options.stage === undefined
      ? [
          "pass --stage STAGE to find the stage's state machine by its name (switchyard-<stage>-mode-switch), from any folder",
        ]
      : []),
    `pass --state-machine-arn ARN (\`aws stepfunctions list-state-machines --query "stateMachines[?ends_with(name, '-mode-switch')].stateMachineArn"\` lists them, one per stage)`,
  ];
  if (options.outputs === undefined) {
    ways.push(
      `pass --outputs <file> holding ${options.stage === undefined ? "the stack's" : `stage ${options.stage}'s`} outputs`,
    );
  }
  if (nothingDeployed) {
    ways.push(
      `if nothing is deployed yet, \`npx sst deploy${stage}\` from the project's root writes ${SST_OUTPUTS_FILE}`,
    );
  }
  return ways.join("; or ");
}
