import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandInput,
  type DescribeExecutionOutput,
  ExecutionDoesNotExist,
  type ExecutionListItem,
  GetExecutionHistoryCommand,
  type GetExecutionHistoryCommandInput,
  type HistoryEvent,
  ListExecutionsCommand,
  type SFNClient,
} from "@aws-sdk/client-sfn";
import type { AwsClientStub } from "aws-sdk-client-mock";

/** What a test's Step Functions account holds, read at each call so a test can change it. */
export interface ExecutionRecords {
  /** The executions as ListExecutions answers them (Step Functions: newest first). */
  list(): readonly ExecutionListItem[];
  /** What DescribeExecution adds to the list item (its input, an error and cause). */
  described(execution: ExecutionListItem): Partial<DescribeExecutionOutput>;
  /** The execution's history events, by its name. */
  events(name: string): readonly HistoryEvent[];
}

/**
 * ListExecutions, DescribeExecution and GetExecutionHistory over `records`, as Step
 * Functions answers them: an ARN it does not know is `ExecutionDoesNotExist`.
 */
export function serveExecutions(sfn: AwsClientStub<SFNClient>, records: ExecutionRecords): void {
  const known = (executionArn: string | undefined): ExecutionListItem => {
    const found = records.list().find((e) => e.executionArn === executionArn);
    if (found === undefined) {
      throw new ExecutionDoesNotExist({
        message: `Execution Does Not Exist: '${executionArn}'`,
        $metadata: {},
      });
    }
    return found;
  };
  sfn.on(ListExecutionsCommand).callsFake(() => ({ executions: [...records.list()] }));
  sfn.on(DescribeExecutionCommand).callsFake((input: DescribeExecutionCommandInput) => {
    const execution = known(input.executionArn);
    return { ...execution, ...records.described(execution) };
  });
  sfn.on(GetExecutionHistoryCommand).callsFake((input: GetExecutionHistoryCommandInput) => ({
    events: [...records.events(known(input.executionArn).name ?? "")],
  }));
}
