import { readFileSync } from "node:fs";
import { GetMetricDataCommand, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { ListExecutionsCommand, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { actionAnnotationKey } from "@switchyard/core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { handler } from "../../../functions/evaluate.ts";
import "../../support/aws-sdk-matchers.ts";
import { failureOf } from "../../support/failure.ts";
import { HandlerWorld } from "../../support/handler-world.ts";
import { repoPath } from "../../support/paths.ts";
import { sd21FailoverConfig } from "../../support/sd21.ts";

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(repoPath(`test/fixtures/events/${name}.json`), "utf8"));
const createFleetInf2 = fixture("create-fleet-one-error") as { time: string };
const ACTION = actionAnnotationKey("weighted-routing");

const world = new HandlerWorld(sd21FailoverConfig());

describe("Handler: evaluate", () => {
  beforeAll(() => world.start());
  afterAll(() => world.stop());
  beforeEach(() => {
    world.reset();
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.parse(createFleetInf2.time) + 40_000);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("fails over on a CreateFleet capacity error for inf2: records it and starts one execution with the evidence", async () => {
    const result = await handler(createFleetInf2);
    expect(result.services).toEqual([
      { service: "sd21", decision: "failover", execution: "sd21-failover-202506021408" },
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
        met: true,
      }),
    );
  });

  it("starts none on a second evaluation in the same minute", async () => {
    await handler(createFleetInf2);
    vi.setSystemTime(Date.parse(createFleetInf2.time) + 50_000);
    const again = await handler(fixture("scheduled-event"));
    expect(world.sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
    expect(again.services[0]?.execution).toBe("sd21-failover-202506021408");
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

  it("reports an action annotation that is not valid JSON in the evidence and starts a switch to rewrite it", async () => {
    world.double.edit("Ingress", "default", "sd21", (ingress) => {
      (ingress.metadata.annotations as Record<string, string>)[ACTION] =
        '{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"sd21-inf2"';
    });
    await handler(fixture("scheduled-event"));
    const input = JSON.parse(world.started[0]?.input ?? "{}");
    expect(input).toMatchObject({ move: "rebalance", from: "cost", to: "cost" });
    expect(input.evidence).toContainEqual(
      expect.objectContaining({
        rule: "action-annotation",
        observed: expect.stringMatching(/is not valid JSON/),
      }),
    );
  });

  it("resolves a Spot interruption warning's instance with DescribeInstances and fails over its unit", async () => {
    const spot = fixture("spot-interruption-warning") as { time: string; detail: { "instance-id": string } };
    vi.setSystemTime(Date.parse(spot.time) + 20_000);
    world.ec2.reset();
    world.ec2.onAnyCommand().resolves({
      Reservations: [
        { Instances: [{ InstanceId: spot.detail["instance-id"], InstanceType: "trn1.2xlarge" }] },
      ],
    });
    const result = await handler(spot);
    expect(result.services[0]?.decision).toBe("failover");
    expect(JSON.parse(world.started[0]?.input ?? "{}").causes).toEqual(["sd21-trn1"]);
  });

  it("stays within budget: one GetMetricData, one ListExecutions and four Kubernetes reads for the service", async () => {
    world.double.clearRequests();
    await handler(fixture("scheduled-event"));
    expect(world.cloudwatch).toHaveReceivedCommandTimes(GetMetricDataCommand, 1);
    expect(world.sfn).toHaveReceivedCommandTimes(ListExecutionsCommand, 1);
    const reads = world.double.requests.filter((r) => r.method === "GET");
    expect(reads.map((r) => `${r.verb} ${r.resource}`).sort()).toEqual([
      "get ingresses",
      "list deployments",
      "list events",
      "list pods",
    ]);
  });

  it("refuses an event it does not handle, naming what it got", async () => {
    await expect(handler({ source: "aws.s3", "detail-type": "Object Created", detail: {} })).rejects.toThrow(
      /got source "aws.s3", detail-type "Object Created"/,
    );
  });
});
