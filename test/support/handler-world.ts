import {
  CloudTrailClient,
  DescribeTrailsCommand,
  GetEventSelectorsCommand,
  GetTrailStatusCommand,
  type Trail,
} from "@aws-sdk/client-cloudtrail";
import {
  CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
  PutMetricDataCommand,
} from "@aws-sdk/client-cloudwatch";
import { DescribeInstancesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { DescribeClusterCommand, EKSClient } from "@aws-sdk/client-eks";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import {
  ExecutionAlreadyExists,
  type ExecutionListItem,
  type HistoryEvent,
  SFNClient,
  StartExecutionCommand,
  type StartExecutionCommandInput,
} from "@aws-sdk/client-sfn";
import type { InferenceService, SwitchyardConfig } from "@switchyard/core";
import { type AwsClientStub, mockClient } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeAll, beforeEach, vi } from "vitest";
import { answerGetMetricData, calmAlb, type MetricSource } from "./cloudwatch-responder.ts";
import { type FakeLoadBalancer, ingressLoadBalancer, newElbAccount, serveElbAccount } from "./elb-account.ts";
import { KedaOperatorStandIn } from "./keda-operator.ts";
import type { KubeApiDouble } from "./kube-api-double.ts";
import { seedSd21 } from "./kube-objects.ts";
import { describeClusterFor, eksApiDouble, STATE_MACHINE_ARN, useLambdaEnvironment } from "./lambda-env.ts";
import { LoadBalancerControllerStandIn } from "./load-balancer-controller.ts";
import { sd21Config } from "./sd21.ts";
import { serveExecutions } from "./step-functions-executions.ts";

/**
 * Everything a deployed function talks to, for one test file: AWS clients stubbed with
 * aws-sdk-client-mock (by class, so the handlers' module-scope clients are stubbed too),
 * the Kubernetes API double over HTTPS, the SD2.1 ALB in a fake ELBv2 account, and a
 * Step Functions that remembers started executions.
 */
export class HandlerWorld {
  readonly cloudwatch: AwsClientStub<CloudWatchClient> = mockClient(CloudWatchClient);
  readonly sfn: AwsClientStub<SFNClient> = mockClient(SFNClient);
  readonly eks: AwsClientStub<EKSClient> = mockClient(EKSClient);
  readonly elb: AwsClientStub<ElasticLoadBalancingV2Client> = mockClient(ElasticLoadBalancingV2Client);
  readonly ec2: AwsClientStub<EC2Client> = mockClient(EC2Client);
  readonly cloudtrail: AwsClientStub<CloudTrailClient> = mockClient(CloudTrailClient);
  readonly double: KubeApiDouble = eksApiDouble();
  readonly config: SwitchyardConfig;
  /** The first service: the one the Load Balancer Controller stand-in serves. */
  readonly service: InferenceService;
  metrics: MetricSource = calmAlb();
  executions: ExecutionListItem[] = [];
  /** Per execution name: its history events (GetExecutionHistory), oldest first; none by default. */
  executionEvents: Record<string, HistoryEvent[]> = {};
  readonly started: StartExecutionCommandInput[] = [];
  albs: FakeLoadBalancer[];
  lbc: LoadBalancerControllerStandIn;
  /** KEDA's operator: pauses and resumes the ScaledObjects as Switchyard's holds come and go. */
  keda: KedaOperatorStandIn;

  /** Every service of `config` lives in its namespace with the seed's SD2.1 objects and an ALB. */
  constructor(config: SwitchyardConfig = sd21Config()) {
    this.config = config;
    this.service = config.services[0] as InferenceService;
    this.albs = this.#albs();
    this.lbc = new LoadBalancerControllerStandIn(this.double, this.service, this.alb);
    this.keda = new KedaOperatorStandIn(this.double);
  }

  get alb(): FakeLoadBalancer {
    return this.albs[0] as FakeLoadBalancer;
  }

  async start(): Promise<void> {
    useLambdaEnvironment(this.config);
    await this.double.start();
  }

  async stop(): Promise<void> {
    await this.double.stop();
  }

  /** A fresh world on the same API server URL (the handlers cache the EKS endpoint per container). */
  reset(): void {
    for (const stub of [this.cloudwatch, this.sfn, this.eks, this.elb, this.ec2, this.cloudtrail]) {
      stub.reset();
    }
    this.double.reset();
    const namespaces = [...new Set(this.config.services.map((s) => s.namespace))];
    for (const namespace of namespaces) {
      seedSd21(this.double, { namespace });
    }
    this.keda = new KedaOperatorStandIn(this.double);
    this.keda.adopt(namespaces);
    this.metrics = calmAlb();
    this.executions = [];
    this.executionEvents = {};
    this.started.length = 0;
    this.albs = this.#albs();
    this.lbc = new LoadBalancerControllerStandIn(this.double, this.service, this.alb);

    this.eks.on(DescribeClusterCommand).resolves(describeClusterFor(this.double));
    this.cloudwatch
      .on(GetMetricDataCommand)
      .callsFake((input: GetMetricDataCommandInput) => answerGetMetricData(input, this.metrics));
    this.cloudwatch.on(PutMetricDataCommand).resolves({});
    this.ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [{ Instances: [{ InstanceId: "i-0a1b2c3d4e5f60718", InstanceType: "inf2.xlarge" }] }],
    });
    this.serveTrails([defaultTrail(this.config.cluster.region)]);
    serveElbAccount(this.elb, newElbAccount(this.albs));
    this.lbc.serve(this.elb);
    serveExecutions(this.sfn, {
      list: () => this.executions,
      described: (execution) => ({ input: this.started.find((s) => s.name === execution.name)?.input }),
      events: (name) => this.executionEvents[name] ?? [],
    });
    this.sfn.on(StartExecutionCommand).callsFake((input: StartExecutionCommandInput) => {
      const executionArn = `${STATE_MACHINE_ARN.replace(":stateMachine:", ":execution:")}:${input.name}`;
      if (this.started.some((s) => s.name === input.name)) {
        throw new ExecutionAlreadyExists({
          message: `Execution Already Exists: '${executionArn}'`,
          $metadata: {},
        });
      }
      this.started.push(input);
      this.executions.unshift({
        executionArn,
        stateMachineArn: STATE_MACHINE_ARN,
        name: input.name ?? "",
        status: "RUNNING",
        startDate: new Date(),
      });
      return { executionArn, startDate: new Date() };
    });
  }

  /** CloudTrail's account: these trails, each logging, with CloudTrail's default selector (all management events). */
  serveTrails(trails: readonly Trail[]): void {
    this.cloudtrail.reset();
    this.cloudtrail.on(DescribeTrailsCommand).resolves({ trailList: [...trails] });
    this.cloudtrail.on(GetTrailStatusCommand).resolves({ IsLogging: true });
    this.cloudtrail.on(GetEventSelectorsCommand).resolves({
      EventSelectors: [{ ReadWriteType: "All", IncludeManagementEvents: true, DataResources: [] }],
    });
  }

  #albs(): FakeLoadBalancer[] {
    return this.config.services.map((service) => {
      const services = [
        ...service.units.map((u) => ({ name: u.service.name, port: u.service.port })),
        ...(service.consolidatedService === undefined ? [] : [service.consolidatedService]),
      ];
      return ingressLoadBalancer({ namespace: service.namespace, name: service.ingress }, { services });
    });
  }
}

/** A multi-Region trail as `aws cloudtrail create-trail --is-multi-region-trail` makes it, homed in `region`. */
export function defaultTrail(region: string): Trail {
  return {
    Name: "management-events",
    S3BucketName: "cloudtrail-123456789012",
    IncludeGlobalServiceEvents: true,
    IsMultiRegionTrail: true,
    HomeRegion: region,
    TrailARN: `arn:aws:cloudtrail:${region}:123456789012:trail/management-events`,
    LogFileValidationEnabled: true,
    HasCustomEventSelectors: false,
    HasInsightSelectors: false,
    IsOrganizationTrail: false,
  };
}

/**
 * The hooks of a describe that drives the handlers through `world`: the API server up for the
 * file, a fresh world before each test with Date frozen at `now` (the handlers read the clock for
 * their windows and execution names), real timers after.
 */
export function useHandlerWorld(world: HandlerWorld, now: number): void {
  beforeAll(() => world.start());
  afterAll(() => world.stop());
  beforeEach(() => {
    world.reset();
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(now);
  });
  afterEach(() => {
    vi.useRealTimers();
  });
}
