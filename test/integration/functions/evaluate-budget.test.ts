import { GetMetricDataCommand, type GetMetricDataCommandInput } from "@aws-sdk/client-cloudwatch";
import { ListExecutionsCommand } from "@aws-sdk/client-sfn";
import type { InferenceService, SwitchyardConfig } from "@switchyard/core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { handler } from "../../../functions/evaluate.ts";
import "../../support/aws-sdk-matchers.ts";
import { HandlerWorld } from "../../support/handler-world.ts";
import { sd21Config } from "../../support/sd21.ts";

/** Twenty copies of the SD2.1 service, each in its own namespace: 100 units. */
function twentyServices(): SwitchyardConfig {
  const base = sd21Config();
  const template = base.services[0] as InferenceService;
  return {
    ...base,
    services: Array.from({ length: 20 }, (_, i) => ({
      ...template,
      name: `sd21-s${i}`,
      namespace: `tenant-${i}`,
    })),
  };
}

const world = new HandlerWorld(twentyServices());

describe("Handler: evaluate — budget per evaluation", () => {
  beforeAll(() => world.start());
  afterAll(() => world.stop());
  beforeEach(() => world.reset());

  it("reads 100 units in one GetMetricData, one ListExecutions per service and at most four Kubernetes reads and a GET per Deployment per service", async () => {
    world.double.clearRequests();
    const result = await handler({
      version: "0",
      id: "budget",
      "detail-type": "Scheduled Event",
      source: "aws.events",
      account: "123456789012",
      time: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
      region: "us-west-2",
      resources: ["arn:aws:events:us-west-2:123456789012:rule/switchyard-evaluate"],
      detail: {},
    });
    expect(result.services).toHaveLength(20);
    expect(world.cloudwatch).toHaveReceivedCommandTimes(GetMetricDataCommand, 1);
    const call = world.cloudwatch.commandCalls(GetMetricDataCommand)[0];
    const queries = (call?.args[0].input as GetMetricDataCommandInput | undefined)?.MetricDataQueries;
    expect(queries?.length).toBeLessThanOrEqual(500);
    expect(world.sfn).toHaveReceivedCommandTimes(ListExecutionsCommand, 20);
    const reads = world.double.requests.filter((r) => r.method === "GET");
    // The Ingress, Pending pods, events, ScaledObjects, and each of the 5 units' Deployments by name.
    expect(reads.length).toBeLessThanOrEqual((4 + 5) * 20);
    for (let i = 0; i < 20; i += 1) {
      const inNamespace = reads.filter((r) => r.path.includes(`/namespaces/tenant-${i}/`));
      expect(inNamespace.length).toBeLessThanOrEqual(4 + 5);
    }
  });
});
