import {
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  TargetGroupNotFoundException,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { ElbLoadBalancerLocator, ElbTargetHealthReader } from "@switchyard/adapters";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import "../../support/aws-sdk-matchers.ts";
import {
  CLUSTER,
  type FakeLoadBalancer,
  ingressLoadBalancer,
  newElbAccount,
  serveElbAccount,
  serviceTargetGroup,
} from "../../support/elb-account.ts";
import { sd21Service } from "../../support/sd21.ts";

const service = sd21Service();
const clock = { now: () => Date.parse("2025-06-01T10:00:00Z") };

function sd21Alb(services: readonly string[]): FakeLoadBalancer {
  return ingressLoadBalancer(
    { namespace: "default", name: "sd21" },
    { services: services.map((name) => ({ name, port: 80 })) },
  );
}

function arnOf(lb: FakeLoadBalancer, serviceName: string): string {
  return (
    lb.targetGroups.find((g) => g.tags["ingress.k8s.aws/resource"] === `default/sd21-${serviceName}:80`)
      ?.arn ?? ""
  );
}

describe("Class: ElbTargetHealthReader", () => {
  const elb = mockClient(ElasticLoadBalancingV2Client);
  const client = new ElasticLoadBalancingV2Client({ region: "us-west-2" });
  const readerOver = (locator = new ElbLoadBalancerLocator({ client, clusterName: CLUSTER, clock })) =>
    new ElbTargetHealthReader({ client, locator });

  afterEach(() => {
    elb.reset();
  });

  it("counts each target group's targets by state with one DescribeTargetHealth per group, and reports a Service without one", async () => {
    // Prepare
    const lb = sd21Alb(["sd21-inf2", "sd21"]);
    serveElbAccount(elb, newElbAccount([lb]));
    elb
      .on(DescribeTargetHealthCommand, { TargetGroupArn: arnOf(lb, "sd21") })
      .resolves({
        TargetHealthDescriptions: [
          { Target: { Id: "10.0.0.1" }, TargetHealth: { State: "healthy" } },
          { Target: { Id: "10.0.0.2" }, TargetHealth: { State: "healthy" } },
          {
            Target: { Id: "10.0.0.3" },
            TargetHealth: { State: "initial", Reason: "Elb.InitialHealthChecking" },
          },
        ],
      })
      .on(DescribeTargetHealthCommand, { TargetGroupArn: arnOf(lb, "sd21-inf2") })
      .resolves({ TargetHealthDescriptions: [] });

    // Act
    const health = await readerOver().health(service, ["sd21", "sd21-inf2", "sd21-trn1"]);

    // Assess
    expect(health).toEqual([
      { serviceName: "sd21", targetGroupArn: arnOf(lb, "sd21"), targets: { healthy: 2, initial: 1 } },
      { serviceName: "sd21-inf2", targetGroupArn: arnOf(lb, "sd21-inf2"), targets: {} },
      { serviceName: "sd21-trn1", targetGroupArn: null, targets: {} },
    ]);
    expect(elb).toHaveReceivedCommandTimes(DescribeTargetHealthCommand, 2);
  });

  it("reads the ALB's target groups again when a cached one was deleted since (the controller replaced it)", async () => {
    // Prepare: a location cached with the old target group of sd21.
    const lb = sd21Alb(["sd21"]);
    const account = newElbAccount([lb]);
    serveElbAccount(elb, account);
    const old = arnOf(lb, "sd21");
    const locator = new ElbLoadBalancerLocator({ client, clusterName: CLUSTER, clock });
    await locator.locate(service, { require: ["sd21"] });
    const replacement = serviceTargetGroup({
      namespace: "default",
      ingress: "sd21",
      service: "sd21",
      port: 80,
    });
    lb.targetGroups = [replacement];
    elb
      .on(DescribeTargetHealthCommand, { TargetGroupArn: old })
      .rejects(
        new TargetGroupNotFoundException({ message: `Target groups '${old}' not found`, $metadata: {} }),
      )
      .on(DescribeTargetHealthCommand, { TargetGroupArn: replacement.arn })
      .resolves({
        TargetHealthDescriptions: [{ Target: { Id: "10.0.0.1" }, TargetHealth: { State: "healthy" } }],
      });

    // Act
    const health = await readerOver(locator).health(service, ["sd21"]);

    // Assess
    expect(health).toEqual([
      { serviceName: "sd21", targetGroupArn: replacement.arn, targets: { healthy: 1 } },
    ]);
  });

  it("declares exactly the ELBv2 actions it and its locator call", () => {
    expect([...ElbTargetHealthReader.iamActions].sort()).toEqual([
      "elasticloadbalancing:DescribeLoadBalancers",
      "elasticloadbalancing:DescribeTags",
      "elasticloadbalancing:DescribeTargetGroups",
      "elasticloadbalancing:DescribeTargetHealth",
    ]);
  });
});
