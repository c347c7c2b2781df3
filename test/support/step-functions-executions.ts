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
  type ListExecutionsCommandInput,
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
  sfn
    .on(ListExecutionsCommand)
    .callsFake((input: ListExecutionsCommandInput) => listPage(records.list(), input));
  sfn.on(DescribeExecutionCommand).callsFake((input: DescribeExecutionCommandInput) => {
    const execution = known(input.executionArn);
    return { ...execution, ...records.described(execution) };
  });
  // Oldest first, or newest first with reverseOrder (GetExecutionHistory).
  sfn.on(GetExecutionHistoryCommand).callsFake((input: GetExecutionHistoryCommandInput) => {
    const events = [...records.events(known(input.executionArn).name ?? "")];
    return { events: input.reverseOrder === true ? events.reverse() : events };
  });
}

/**
 * One page of ListExecutions as Step Functions answers it: at most `maxResults` (0 or unset
 * means 100, the most is 1000), newest first, and a `nextToken` while more remain (Step
 * Functions API reference, ListExecutions). The token here is the offset; the real one is opaque.
 */
export function listPage(
  executions: readonly ExecutionListItem[],
  input: Pick<ListExecutionsCommandInput, "maxResults" | "nextToken">,
): { executions: ExecutionListItem[]; nextToken?: string } {
  const size = Math.min(
    input.maxResults === undefined || input.maxResults === 0 ? 100 : input.maxResults,
    1000,
  );
  const from = input.nextToken === undefined ? 0 : Number(input.nextToken);
  const page = executions.slice(from, from + size);
  return from + size < executions.length
    ? { executions: page, nextToken: String(from + size) }
    : { executions: page };
}
