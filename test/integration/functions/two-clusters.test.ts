import { readFileSync } from "node:fs";
import { PutMetricDataCommand, type PutMetricDataCommandInput } from "@aws-sdk/client-cloudwatch";
import type { SwitchyardConfig } from "@switchyard/core";
import { describe, expect, it, vi } from "vitest";
import { CustomMetricStore, calmAlb } from "../../support/cloudwatch-responder.ts";
import { ingressLoadBalancer, newElbAccount, serveElbAccount } from "../../support/elb-account.ts";
import { HandlerWorld, useHandlerWorld } from "../../support/handler-world.ts";
import { useLambdaEnvironment } from "../../support/lambda-env.ts";
import { repoPath } from "../../support/paths.ts";
import { sd21FailoverConfig } from "../../support/sd21.ts";

const fixture = (name: string): { time: string } =>
  JSON.parse(readFileSync(repoPath(`test/fixtures/events/${name}.json`), "utf8"));
const createFleetInf2 = fixture("create-fleet-one-error");

/** The same service on a second cluster, deployed as its own stage in the same account and Region. */
function onCluster(name: string): SwitchyardConfig {
  const config = sd21FailoverConfig();
  return { ...config, cluster: { ...config.cluster, name } };
}
const CLUSTER_A = onCluster("inference-a");
const CLUSTER_B = onCluster("inference-b");

const world = new HandlerWorld(CLUSTER_A);

/** A fresh evaluate container of the stage deployed with `config` (the handler keeps its config and adapters per container). */
async function evaluateOf(config: SwitchyardConfig): Promise<
  (event: unknown) => Promise<{
    services: readonly { decision: string; status: string | null }[];
  }>
> {
  useLambdaEnvironment(config);
  // The cluster's own ALB: the Load Balancer Controller tags it with its --cluster-name.
  const service = config.services[0];
  if (service === undefined) throw new Error("the config has a service");
  const services = [
    ...service.units.map((u) => u.service),
    ...(service.consolidatedService === undefined ? [] : [service.consolidatedService]),
  ];
  serveElbAccount(
    world.elb,
    newElbAccount([
      ingressLoadBalancer(
        { namespace: service.namespace, name: service.ingress },
        { cluster: config.cluster.name, services },
      ),
    ]),
  );
  vi.resetModules();
  return (await import("../../../functions/evaluate.ts")).handler;
}

describe("Handler: evaluate, two clusters' stacks in one account and Region", () => {
  useHandlerWorld(world, Date.parse(createFleetInf2.time) + 40_000);

  it("reads back only its own cluster's recorded capacity errors from the shared namespace", async () => {
    const store = new CustomMetricStore();
    world.cloudwatch.on(PutMetricDataCommand).callsFake((input: PutMetricDataCommandInput) => {
      store.put(input);
      return {};
    });
    world.metrics = store.source(calmAlb());
    // Cluster A's evaluate sees CreateFleet fail for inf2, fails over and records the error.
    const first = await (await evaluateOf(CLUSTER_A))(createFleetInf2);
    expect(first.services.map((s) => s.decision)).toEqual(["failover"]);
    world.started.length = 0;
    world.executions = [];

    // Four minutes on, each cluster's scheduled evaluation reads the window back.
    vi.setSystemTime(Date.parse(createFleetInf2.time) + 4 * 60_000);
    const scheduled = fixture("scheduled-event");
    const onB = await (await evaluateOf(CLUSTER_B))(scheduled);
    // (Whatever else the calm ALB's demand asks of it: no failover, and no loss in its evidence.)
    expect(onB.services.map((s) => s.decision)).not.toContain("failover");
    expect(world.started.map((s) => s.name)).not.toContainEqual(expect.stringContaining("failover"));
    const onA = await (await evaluateOf(CLUSTER_A))(scheduled);
    expect(onA.services.map((s) => s.decision)).toEqual(["failover"]);
  });
});
