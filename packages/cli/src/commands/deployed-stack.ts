import { InputFileError, UnreachableError, UsageError } from "../errors.ts";
import type { CliIo } from "../io.ts";

/**
 * Where `sst deploy` writes the outputs of `run()` (sst.config.ts): `.sst/outputs.json`
 * under the app's root, one flat JSON object, rewritten by every deploy of any stage
 * (sst/sst pkg/project/stack.go, `outputsFilePath`).
 */
export const SST_OUTPUTS_FILE = ".sst/outputs.json";

const STATE_MACHINE_ARN = /^arn:[a-z-]+:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]{1,80}$/;

export interface DeployedStack {
  readonly stateMachineArn: string;
  /** Where the ARN came from, for the header line. */
  readonly from: string;
  readonly stage: string | null;
}

export interface DeployedStackOptions {
  readonly stateMachineArn?: string;
  readonly outputs?: string;
  readonly stage?: string;
}

/** The mode-switch state machine: `--state-machine-arn`, else the `stateMachine` output of the deployed stack. */
export async function deployedStack(io: CliIo, options: DeployedStackOptions): Promise<DeployedStack> {
  if (options.stateMachineArn !== undefined) {
    if (!STATE_MACHINE_ARN.test(options.stateMachineArn)) {
      throw new UsageError(
        `--state-machine-arn ${options.stateMachineArn} is not a state machine ARN (arn:aws:states:<region>:<account>:stateMachine:<name>); the stack's stateMachine output is one`,
      );
    }
    return {
      stateMachineArn: options.stateMachineArn,
      from: "--state-machine-arn",
      stage: options.stage ?? null,
    };
  }
  const file = options.outputs ?? SST_OUTPUTS_FILE;
  const how = `deploy the stack from the project's root (\`npx sst deploy${options.stage === undefined ? "" : ` --stage ${options.stage}`}\` writes ${SST_OUTPUTS_FILE}), pass --outputs <file>, or pass --state-machine-arn <the stack's stateMachine output>`;
  let text: string;
  try {
    text = await io.readFile(file);
  } catch (error) {
    if (error instanceof InputFileError) {
      throw new UnreachableError(`no deployed stack outputs: ${error.message}; ${how}`, error);
    }
    throw error;
  }
  let outputs: unknown;
  try {
    outputs = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file} is not JSON (${(error as Error).message}); ${how}`);
  }
  const record = (typeof outputs === "object" && outputs !== null ? outputs : {}) as Record<string, unknown>;
  const arn = record.stateMachine;
  if (typeof arn !== "string" || !STATE_MACHINE_ARN.test(arn)) {
    throw new UnreachableError(
      `${file} has no stateMachine output${arn === undefined ? "" : ` (got ${JSON.stringify(arn)})`}: it is not the outputs of Switchyard's stack (sst.config.ts returns stateMachine), or its last deploy failed; ${how}`,
    );
  }
  const stage = typeof record.stage === "string" ? record.stage : null;
  if (options.stage !== undefined && stage !== options.stage) {
    throw new UnreachableError(
      `${file} ${stage === null ? "does not say which stage it is from" : `holds the outputs of stage ${stage}`}, not ${options.stage}: SST keeps only the last deploy's outputs; ${how}`,
    );
  }
  return { stateMachineArn: arn, from: file, stage };
}
