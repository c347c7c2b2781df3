import { readFileSync } from "node:fs";
import { GetMetricDataCommand, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { DescribeExecutionCommand, ListExecutionsCommand, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { actionAnnotationKey } from "@switchyard/core/manifests";
import { describe, expect, it, vi } from "vitest";
import { handler } from "../../../functions/evaluate.ts";
import "../../support/aws-sdk-matchers.ts";
import { failureOf } from "../../support/failure.ts";
import { defaultTrail, HandlerWorld, useHandlerWorld } from "../../support/handler-world.ts";
import { repoPath } from "../../support/paths.ts";
import { sd21FailoverConfig } from "../../support/sd21.ts";

/** The tags Karpenter puts on the instances it launches (aws/karpenter-provider-aws v1). */
const karpenterTags = (cluster: string) => [
  { Key: "karpenter.sh/nodepool", Value: "trn1" },
  { Key: "eks:eks-cluster-name", Value: cluster },
  { Key: `kubernetes.io/cluster/${cluster}`, Value: "owned" },
];

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(repoPath(`test/fixtures/events/${name}.json`), "utf8"));
const createFleetInf2 = fixture("create-fleet-one-error") as { time: string };
const ACTION = actionAnnotationKey("weighted-routing");

const world = new HandlerWorld(sd21FailoverConfig());

/**
 * The Spot interruption warning, 20 s on, for a trn1.2xlarge that Karpenter launched in
 * `cluster`: DescribeInstances answers with its type and tags.
 */
function spotWarningFor(cluster: string): { time: string; detail: { "instance-id": string } } {
  const spot = fixture("spot-interruption-warning") as { time: string; detail: { "instance-id": string } };
  vi.setSystemTime(Date.parse(spot.time) + 20_000);
  world.ec2.reset();
  world.ec2.onAnyCommand().resolves({
    Reservations: [
      {
        Instances: [
          {
            InstanceId: spot.detail["instance-id"],
            InstanceType: "trn1.2xlarge",
            Tags: karpenterTags(cluster),
          },
        ],
      },
    ],
  });
  return spot;
}

describe("Handler: evaluate", () => {
  useHandlerWorld(world, Date.parse(createFleetInf2.time) + 40_000);

  it("fails over on a CreateFleet capacity error for inf2: records it and starts one execution with the evidence", async () => {
    const result = await handler(createFleetInf2);
    expect(result.services).toEqual([
      { service: "sd21", decision: "failover", execution: "sd21-failover-202506021408", status: "STARTED" },
    ]);
    expect(world.cloudwatch).toHaveReceivedCommandWith(PutMetricDataCommand, { Namespace: "Switchyard" });
    expect(world.sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
    const input = JSON.parse(world.started[0]?.input ?? "{}");
    expect(input).toMatchObject({
      service: "sd21",
      move: "failover",
      from: "cost",
      to: "capacity",
      causes: ["sd21-inf2"],
    });
    expect(input.evidence).toContainEqual(
      expect.objectContaining({
        rule: "capacity-errors",
        unit: "sd21-inf2",
        instanceType: "inf2.xlarge",
        breached: true,
      }),
    );
  });

  it("still fails over when PutMetricData fails, and writes the kept signal with the next evaluation", async () => {
    world.cloudwatch.on(PutMetricDataCommand).rejects(
      Object.assign(new Error("Rate exceeded"), {
        name: "ThrottlingException",
        $fault: "client",
        $metadata: { httpStatusCode: 400, attempts: 3 },
      }),
    );
    const result = await handler(createFleetInf2);
    expect(result.services).toEqual([
      { service: "sd21", decision: "failover", execution: "sd21-failover-202506021408", status: "STARTED" },
    ]);
    expect(world.sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 1);

    world.cloudwatch.on(PutMetricDataCommand).resolves({});
    vi.setSystemTime(Date.parse(createFleetInf2.time) + 70_000);
    await handler(fixture("scheduled-event"));
    const written = world.cloudwatch.commandCalls(PutMetricDataCommand).at(-1)?.args[0].input;
    expect(written?.MetricData?.map((d) => [d.Timestamp, d.Dimensions?.map((x) => x.Value)])).toEqual([
      [new Date(createFleetInf2.time), ["hw-agnostic-infer", "inf2.xlarge"]],
      [new Date(createFleetInf2.time), ["hw-agnostic-infer", "inf2.xlarge", "InsufficientInstanceCapacity"]],
      // CreateFleet's error says its capacity type and zone: the detail set the reader reads back.
      [new Date(createFleetInf2.time), ["hw-agnostic-infer", "inf2.xlarge", "on-demand", "us-west-2a"]],
    ]);
  });

  it("starts none on a second evaluation in the same minute", async () => {
    await handler(createFleetInf2);
    vi.setSystemTime(Date.parse(createFleetInf2.time) + 50_000);
    const again = await handler(fixture("scheduled-event"));
    expect(world.sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
    expect(again.services[0]?.execution).toBe("sd21-failover-202506021408");
    expect(again.services[0]?.status).toBe("RUNNING");
  });

  it("starts one failover for a CloudTrail event delivered again a minute later, before ListExecutions lists the first", async () => {
    await handler(createFleetInf2);
    const first = world.executions[0];
    if (first === undefined) throw new Error("the first evaluation started an execution");
    // ListExecutions "is eventually consistent. The results are best effort and may not
    // reflect very recent updates" (Step Functions API reference); DescribeExecution of a
    // name is not.
    world.executions = [];
    world.sfn.on(DescribeExecutionCommand).resolves({ ...first, status: "RUNNING" });
    // Lambda retries a failed asynchronous invocation with the same event after a minute.
    vi.setSystemTime(Date.parse(createFleetInf2.time) + 100_000);
    const again = await handler(createFleetInf2);
    expect(world.started.map((s) => s.name)).toEqual(["sd21-failover-202506021408"]);
    expect(again.services[0]).toMatchObject({
      decision: "failover",
      execution: "sd21-failover-202506021408",
      status: "RUNNING",
    });
  });

  it("reports a same-minute execution that already FAILED as failed, not as running", async () => {
    await handler(createFleetInf2);
    // It failed at once (Plan refused), before this minute is over.
    const first = world.executions[0];
    if (first === undefined) throw new Error("the first evaluation started an execution");
    first.status = "FAILED";
    vi.setSystemTime(Date.parse(createFleetInf2.time) + 45_000);
    const again = await handler(createFleetInf2);
    expect(world.sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 2);
    expect(again.services[0]).toMatchObject({
      decision: "failover",
      execution: "sd21-failover-202506021408",
      status: "FAILED",
    });
  });

  it("ignores a Spot warning whose instance id is malformed, with the reason, and evaluates every service", async () => {
    const spot = fixture("spot-interruption-warning") as { time: string; detail: Record<string, unknown> };
    vi.setSystemTime(Date.parse(spot.time) + 20_000);
    // EC2 refuses an id that is not one: "InvalidInstanceID.Malformed: The specified ID for
    // the instance is malformed" (EC2 API reference, error codes), a 400.
    world.ec2.reset();
    world.ec2.onAnyCommand().rejects(
      Object.assign(new Error('Invalid id: "i-0c4f8e2a7b19d3e5\n6"'), {
        name: "InvalidInstanceID.Malformed",
        $fault: "client",
        $metadata: { httpStatusCode: 400, attempts: 1 },
      }),
    );
    const result = await handler({
      ...spot,
      detail: { ...spot.detail, "instance-id": "i-0c4f8e2a7b19d3e5\n6" },
    });
    expect(result.ignored).toEqual([
      'Spot interruption for "i-0c4f8e2a7b19d3e5\\n6": not an EC2 instance id (i- and 8 or 17 hexadecimal digits), so no instance to count',
    ]);
    expect(result.services.map((s) => s.service)).toEqual(["sd21"]);
  });

  it("starts no switch for a service whose ScaledObject has no aws-cloudwatch trigger, and fails its evaluation naming it", async () => {
    world.double.edit("ScaledObject", "default", "sd21-trn1", (object) => {
      (object.spec as { triggers: { type: string }[] }).triggers = [
        { type: "cpu", metadata: { value: "60" } } as never,
      ];
    });
    const error = await failureOf(handler(createFleetInf2));
    expect(error.name).toBe("EvaluationError");
    expect(error.message).toContain(
      "ScaledObject sd21-trn1: has no aws-cloudwatch trigger (its triggers: cpu)",
    );
    expect(world.sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  it("surfaces a CloudWatch ThrottlingException (after the SDK's retries) as a named error, and switches nothing", async () => {
    world.cloudwatch.on(GetMetricDataCommand).rejects(
      Object.assign(new Error("Rate exceeded"), {
        name: "ThrottlingException",
        $fault: "client",
        $metadata: { httpStatusCode: 400, attempts: 3 },
      }),
    );
    const error = await failureOf(handler(createFleetInf2));
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("TransientError");
    expect(error.message).toMatch(/^MetricsUnavailableError: .*ThrottlingException/);
    expect(world.sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  it.each([
    [
      "a forward to a target group by ARN (the simplified schema)",
      '{"type":"forward","targetGroupARN":"arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/blue/0123456789abcdef"}',
    ],
    [
      "a fixed response (a maintenance page)",
      '{"type":"fixed-response","fixedResponseConfig":{"contentType":"text/plain","statusCode":"503","messageBody":"down for maintenance"}}',
    ],
    [
      "a redirect",
      '{"type":"redirect","redirectConfig":{"host":"sd21.example.com","statusCode":"HTTP_301"}}',
    ],
  ])(
    "leaves alone a valid action Switchyard did not write — %s — however the minute goes",
    async (_what, value) => {
      // Prepare
      world.double.edit("Ingress", "default", "sd21", (ingress) => {
        (ingress.metadata.annotations as Record<string, string>)[ACTION] = value;
      });

      // Act: a calm minute, and a capacity error of the unit that carried the most traffic.
      const calm = await handler(fixture("scheduled-event"));
      const loss = await handler(createFleetInf2);

      // Assess
      expect(world.started).toEqual([]);
      expect(world.double.requestsMatching({ verb: "patch", resource: "ingresses" })).toEqual([]);
      for (const result of [calm, loss]) {
        expect(result.services[0]?.decision).toBe("stay");
      }
      expect(world.double.get("Ingress", "default", "sd21")?.metadata.annotations?.[ACTION]).toBe(value);
    },
  );

  it("reports an action annotation that is not valid JSON in the evidence and starts a switch to rewrite it", async () => {
    world.double.edit("Ingress", "default", "sd21", (ingress) => {
      (ingress.metadata.annotations as Record<string, string>)[ACTION] =
        '{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"sd21-inf2"';
    });
    await handler(fixture("scheduled-event"));
    const input = JSON.parse(world.started[0]?.input ?? "{}");
    expect(input).toMatchObject({ move: "repair", from: "cost", to: "cost" });
    expect(world.started[0]?.name).toMatch(/^sd21-repair-\d{12}$/);
    expect(input.evidence).toContainEqual(
      expect.objectContaining({
        rule: "action-annotation",
        observed: expect.stringMatching(/is not valid JSON/),
      }),
    );
  });

  it("resolves a Spot interruption warning's instance with DescribeInstances and fails over its unit", async () => {
    const spot = spotWarningFor(world.config.cluster.name);
    const result = await handler(spot);
    expect(result.services[0]?.decision).toBe("failover");
    expect(JSON.parse(world.started[0]?.input ?? "{}").causes).toEqual(["sd21-trn1"]);
  });

  it("does not count a Spot warning for another cluster's instance of a unit's type, and says why", async () => {
    const spot = spotWarningFor("batch");
    const result = await handler(spot);
    // The seed's hand weights are not cost-optimal, so a calm evaluation rebalances; it never fails over.
    expect(result.services[0]?.decision).toBe("rebalance");
    expect(world.started.map((s) => JSON.parse(s.input ?? "{}").move)).toEqual(["rebalance"]);
    expect(result.ignored).toEqual([
      `Spot interruption for ${spot.detail["instance-id"]} (trn1.2xlarge): a node of batch, not of hw-agnostic-infer`,
    ]);
  });

  it("does not fail over on a CreateFleet capacity error from another Region", async () => {
    const event = fixture("create-fleet-one-error") as { region: string; detail: { awsRegion: string } };
    event.region = "eu-west-1";
    event.detail.awsRegion = "eu-west-1";
    const result = await handler(event);
    // The seed's hand weights are not cost-optimal, so a calm evaluation rebalances; it never fails over.
    expect(result.services[0]?.decision).toBe("rebalance");
    expect(world.started.map((s) => JSON.parse(s.input ?? "{}").move)).toEqual(["rebalance"]);
    expect(world.cloudwatch).not.toHaveReceivedCommand(PutMetricDataCommand);
    expect(result.ignored).toEqual([
      "the cloudtrail event is from eu-west-1; cluster hw-agnostic-infer is in us-west-2, so its signals do not count",
    ]);
  });

  it("does not fail over on a CreateFleet that failed in one zone and launched inf2 in another", async () => {
    const partial = fixture("create-fleet-partial-success") as { time: string };
    vi.setSystemTime(Date.parse(partial.time) + 40_000);
    const result = await handler(partial);
    // The seed's hand weights are not cost-optimal, so a calm evaluation rebalances; it never fails over.
    expect(result.services[0]?.decision).toBe("rebalance");
    expect(world.started.map((s) => JSON.parse(s.input ?? "{}").move)).toEqual(["rebalance"]);
  });

  it("reports a vCPU quota refusal with its fix and does not fail over", async () => {
    const event = fixture("create-fleet-one-error") as {
      detail: { responseElements: { CreateFleetResponse: { errorSet: { item: Record<string, unknown> } } } };
    };
    const item = event.detail.responseElements.CreateFleetResponse.errorSet.item;
    item.errorCode = "VcpuLimitExceeded";
    item.errorMessage =
      "You have requested more vCPU capacity than your current vCPU limit of 32 allows for the instance bucket that the specified instance type belongs to.";
    const result = await handler(event);
    // The seed's hand weights are not cost-optimal, so a calm evaluation rebalances; it never fails over.
    expect(result.services[0]?.decision).toBe("rebalance");
    expect(world.started.map((s) => JSON.parse(s.input ?? "{}").move)).toEqual(["rebalance"]);
    expect(result.launchBlocks).toEqual([
      expect.stringMatching(/^VcpuLimitExceeded inf2\.xlarge us-west-2a: raise the account's EC2 vCPU quota/),
    ]);
  });

  it("says the CloudTrail capacity rules cannot fire, with the fix, when no trail logs management events, and still evaluates", async () => {
    // Three hours on: past the container's cached trail check.
    vi.setSystemTime(Date.parse(createFleetInf2.time) + 3 * 60 * 60_000);
    world.serveTrails([{ ...defaultTrail("us-east-1"), IsMultiRegionTrail: false }]);
    const result = await handler(fixture("scheduled-event"));
    expect(result.trailProblem).toMatch(
      /^No CloudTrail trail delivers EC2 write management events in us-west-2 \(no trail applies to us-west-2 \(management-events is single-Region in us-east-1\)\)/,
    );
    expect(result.trailProblem).toContain("aws cloudtrail create-trail");
    expect(result.services[0]?.decision).toBe("rebalance");
  });

  it("stays within budget: one GetMetricData for the window and one page of history, one ListExecutions, four Kubernetes reads and a GET per Deployment", async () => {
    world.double.clearRequests();
    await handler(fixture("scheduled-event"));
    expect(world.cloudwatch).toHaveReceivedCommandTimes(GetMetricDataCommand, 2);
    // The forecast's history: RequestCount of the 5 units' and the consolidated Service's
    // target groups, 14 days at 300 s (6 × 4,032 = 24,192 datapoints: one page).
    const history = world.cloudwatch.commandCalls(GetMetricDataCommand)[1]?.args[0].input;
    expect(history?.MetricDataQueries?.map((q) => q.MetricStat?.Metric?.MetricName)).toEqual(
      new Array(6).fill("RequestCount"),
    );
    expect(history?.MetricDataQueries?.every((q) => q.MetricStat?.Period === 300)).toBe(true);
    expect((history?.EndTime?.getTime() ?? 0) - (history?.StartTime?.getTime() ?? 0)).toBe(14 * 86_400_000);
    expect(world.sfn).toHaveReceivedCommandTimes(ListExecutionsCommand, 1);
    const reads = world.double.requests.filter((r) => r.method === "GET");
    expect(reads.map((r) => `${r.verb} ${r.resource}`).sort()).toEqual([
      ...world.service.units.map(() => "get deployments"),
      "get ingresses",
      "list events",
      "list pods",
      // Switchyard's holds on them, whether the Plan step could use them, and which forecast
      // floors need a write (one LIST for all three).
      "list scaledobjects",
    ]);
  });

  it("refuses an event it does not handle, naming what it got", async () => {
    await expect(handler({ source: "aws.s3", "detail-type": "Object Created", detail: {} })).rejects.toThrow(
      /got source "aws.s3", detail-type "Object Created"/,
    );
  });
});
