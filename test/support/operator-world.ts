import { type AddressInfo, createServer } from "node:net";
import { DescribeClusterCommand, EKSClient } from "@aws-sdk/client-eks";
import {
  type DescribeExecutionOutput,
  ExecutionAlreadyExists,
  type ExecutionListItem,
  type HistoryEvent,
  SFNClient,
  StartExecutionCommand,
  type StartExecutionCommandInput,
} from "@aws-sdk/client-sfn";
import { type AwsClientStub, mockClient } from "aws-sdk-client-mock";
import { vi } from "vitest";
import type { KubeApiDouble } from "./kube-api-double.ts";
import { seedSd21 } from "./kube-objects.ts";
import { describeClusterFor, eksApiDouble, STATE_MACHINE_ARN } from "./lambda-env.ts";
import { serveExecutions } from "./step-functions-executions.ts";

/** `.sst/outputs.json` as `sst deploy --stage dev` writes it for sst.config.ts's `run()`. */
export function sstOutputs(stage = "dev", stateMachine = STATE_MACHINE_ARN): string {
  const region = stateMachine.split(":")[3];
  return `${JSON.stringify({
    stage,
    config: "examples/sd21/switchyard.yaml",
    stateMachine,
    alertsTopic: `arn:aws:sns:${region}:123456789012:switchyard-${stage}-AlertsTopic`,
    dashboard: `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards/dashboard/switchyard-${stage}`,
    executions: `https://${region}.console.aws.amazon.com/states/home?region=${region}#/statemachines/view/${stateMachine}`,
    rbac: "npx switchyard rbac --config examples/sd21/switchyard.yaml | kubectl apply -f -",
  })}\n`;
}

/** An execution of the mode-switch state machine as ListExecutions lists it. */
export function listedExecution(
  name: string,
  status: NonNullable<ExecutionListItem["status"]>,
  startDate: string,
  stopDate?: string,
  stateMachineArn: string = STATE_MACHINE_ARN,
): ExecutionListItem {
  return {
    executionArn: `${stateMachineArn.replace(":stateMachine:", ":execution:")}:${name}`,
    stateMachineArn,
    name,
    status,
    startDate: new Date(startDate),
    ...(stopDate === undefined ? {} : { stopDate: new Date(stopDate) }),
  };
}

/**
 * What an operator's `switchyard status`/`pin` talks to: EKS (DescribeCluster) and Step
 * Functions stubbed with aws-sdk-client-mock, the cluster as the Kubernetes API double
 * over HTTPS with EKS token authentication, and an operator's credentials in the
 * environment, as the SDK's default chain finds them.
 */
export class OperatorWorld {
  readonly eks: AwsClientStub<EKSClient> = mockClient(EKSClient);
  readonly sfn: AwsClientStub<SFNClient> = mockClient(SFNClient);
  readonly double: KubeApiDouble = eksApiDouble();
  executions: ExecutionListItem[] = [];
  /** Per execution name: what DescribeExecution adds to the listed item (error, cause). */
  failures: Record<string, Pick<DescribeExecutionOutput, "error" | "cause">> = {};
  /** Per execution name: its history events, oldest first. */
  events: Record<string, HistoryEvent[]> = {};
  /** What StartExecution was asked to start, in order; each is listed RUNNING at once. */
  readonly started: StartExecutionCommandInput[] = [];

  async start(): Promise<void> {
    await this.double.start();
  }

  async stop(): Promise<void> {
    await this.double.stop();
    vi.unstubAllEnvs();
  }

  reset(): void {
    this.eks.reset();
    this.sfn.reset();
    this.double.reset();
    seedSd21(this.double);
    this.executions = [];
    this.failures = {};
    this.events = {};
    this.started.length = 0;
    this.withCredentials();
    this.eks.on(DescribeClusterCommand).resolves(describeClusterFor(this.double));
    serveExecutions(this.sfn, {
      // ListExecutions answers newest first, as Step Functions does.
      list: () =>
        [...this.executions].sort((a, b) => (b.startDate?.getTime() ?? 0) - (a.startDate?.getTime() ?? 0)),
      described: (execution) => ({ input: "{}", ...this.failures[execution.name ?? ""] }),
      events: (name) => this.events[name] ?? [],
    });
    // StartExecution as Step Functions answers it: a name already used is ExecutionAlreadyExists.
    this.sfn.on(StartExecutionCommand).callsFake((input: StartExecutionCommandInput) => {
      const executionArn = `${STATE_MACHINE_ARN.replace(":stateMachine:", ":execution:")}:${input.name}`;
      if (this.executions.some((e) => e.name === input.name)) {
        throw new ExecutionAlreadyExists({
          message: `Execution Already Exists: '${executionArn}'`,
          $metadata: {},
        });
      }
      this.started.push(input);
      this.executions.push({
        executionArn,
        stateMachineArn: STATE_MACHINE_ARN,
        name: input.name ?? "",
        status: "RUNNING",
        startDate: new Date("2026-11-14T21:20:00Z"),
      });
      return { executionArn, startDate: new Date("2026-11-14T21:20:00Z") };
    });
  }

  /** An access key in the environment, as `aws configure export-credentials --format env` leaves it. */
  withCredentials(): void {
    vi.stubEnv("AWS_PROFILE", "");
    vi.stubEnv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE");
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
  }

  /** No credentials anywhere the SDK's default chain looks (environment, files, SSO, container, instance). */
  withoutCredentials(): void {
    for (const name of [
      "AWS_PROFILE",
      "AWS_ACCESS_KEY_ID",
      "AWS_SECRET_ACCESS_KEY",
      "AWS_SESSION_TOKEN",
      "AWS_WEB_IDENTITY_TOKEN_FILE",
      "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
      "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    ]) {
      vi.stubEnv(name, "");
    }
    vi.stubEnv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws/credentials");
    vi.stubEnv("AWS_CONFIG_FILE", "/nonexistent/aws/config");
    vi.stubEnv("AWS_EC2_METADATA_DISABLED", "true");
  }
}

/** A local port that was free a moment ago and has no listener now: connecting to it is refused. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
