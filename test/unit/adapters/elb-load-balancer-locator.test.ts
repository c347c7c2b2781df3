import {
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { AwsCallError, ElbLoadBalancerLocator } from "@switchyard/adapters";
import type { Clock } from "@switchyard/core/ports";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import {
  loadBalancerDimension,
  targetGroupDimension,
} from "../../../packages/adapters/src/aws/elb-dimensions.ts";
import { LoadBalancerNotFoundError } from "../../../packages/adapters/src/errors.ts";
import "../../support/aws-sdk-matchers.ts";
import {
  CLUSTER,
  type FakeLoadBalancer,
  ingressLoadBalancer,
  newElbAccount,
  serveElbAccount,
  serviceTargetGroup,
  unrelatedLoadBalancer,
} from "../../support/elb-account.ts";
import { sd21Service } from "../../support/sd21.ts";

const service = sd21Service();
const backends = [
  ...service.units.map((unit) => ({ name: unit.service.name, port: unit.service.port })),
  { name: "sd21", port: 80 },
];
const T0 = Date.parse("2025-06-01T10:00:00Z");

function sd21LoadBalancer(): FakeLoadBalancer {
  return ingressLoadBalancer({ namespace: "default", name: "sd21" }, { services: backends });
}

function clockAt(start: number): Clock & { advance(ms: number): void } {
  let now = start;
  return {
    now: () => now,
    advance: (ms) => {
      now += ms;
    },
  };
}

describe("Class: ElbLoadBalancerLocator", () => {
  const elb = mockClient(ElasticLoadBalancingV2Client);
  const client = new ElasticLoadBalancingV2Client({ region: "us-west-2" });

  afterEach(() => {
    elb.reset();
  });

  it("finds the ALB tagged for the cluster and the Ingress's stack and maps target groups to Services", async () => {
    // Prepare
    const ours = sd21LoadBalancer();
    const otherCluster = ingressLoadBalancer({ namespace: "default", name: "sd21" }, { cluster: "staging" });
    const otherIngress = ingressLoadBalancer({ namespace: "default", name: "sd21-canary" });
    const otherNamespace = ingressLoadBalancer({ namespace: "prod", name: "sd21" });
    serveElbAccount(
      elb,
      newElbAccount([otherCluster, unrelatedLoadBalancer("web"), otherIngress, otherNamespace, ours]),
    );
    const locator = new ElbLoadBalancerLocator({ client, clusterName: CLUSTER, clock: clockAt(T0) });

    // Act
    const targets = await locator.locate(service);

    // Assess
    expect(targets.loadBalancerArn).toBe(ours.arn);
    expect(Object.keys(targets.targetGroups).sort()).toEqual(backends.map((b) => b.name).sort());
    const inf2 = ours.targetGroups[0];
    expect(targets.targetGroups["sd21-inf2"]?.arn).toBe(inf2?.arn);
  });

  it("derives the CloudWatch dimensions from the ARNs", async () => {
    // Prepare
    const ours = sd21LoadBalancer();
    serveElbAccount(elb, newElbAccount([ours]));
    const locator = new ElbLoadBalancerLocator({ client, clusterName: CLUSTER, clock: clockAt(T0) });

    // Act
    const targets = await locator.locate(service);

    // Assess
    const lbId = ours.arn.split("/").at(-1);
    expect(targets.loadBalancerDimension).toBe(`app/k8s-default-sd21/${lbId}`);
    for (const [name, tg] of Object.entries(targets.targetGroups)) {
      expect(tg.dimension, name).toMatch(/^targetgroup\/[^/]+\/[0-9a-f]{16}$/);
      expect(tg.arn.endsWith(`:${tg.dimension}`), name).toBe(true);
    }
  });

  it("tags 45 load balancers in 3 DescribeTags calls of at most 20 ARNs", async () => {
    // Prepare
    const strangers = Array.from({ length: 44 }, (_, i) => unrelatedLoadBalancer(`web-${i}`));
    const ours = sd21LoadBalancer();
    serveElbAccount(elb, newElbAccount([...strangers, ours]));
    const locator = new ElbLoadBalancerLocator({ client, clusterName: CLUSTER, clock: clockAt(T0) });

    // Act
    const targets = await locator.locate(service);

    // Assess
    expect(targets.loadBalancerArn).toBe(ours.arn);
    const tagCalls = elb
      .commandCalls(DescribeTagsCommand)
      .map((call) => call.args[0].input.ResourceArns ?? []);
    const loadBalancerBatches = tagCalls.filter((arns) => arns.some((arn) => arn.includes(":loadbalancer/")));
    expect(loadBalancerBatches.map((arns) => arns.length)).toEqual([20, 20, 5]);
    expect(tagCalls.every((arns) => arns.length <= 20)).toBe(true);
    // Three for the load balancers, one for the six target groups.
    expect(elb).toHaveReceivedCommandTimes(DescribeTagsCommand, 4);
  });

  it("stops tagging load balancers once it has found the Ingress's", async () => {
    // Prepare
    const ours = sd21LoadBalancer();
    const strangers = Array.from({ length: 44 }, (_, i) => unrelatedLoadBalancer(`web-${i}`));
    serveElbAccount(elb, newElbAccount([ours, ...strangers]));
    const locator = new ElbLoadBalancerLocator({ client, clusterName: CLUSTER, clock: clockAt(T0) });

    // Act
    await locator.locate(service);

    // Assess: one batch for the load balancers, one for the target groups.
    expect(elb).toHaveReceivedCommandTimes(DescribeTagsCommand, 2);
  });

  it("follows Marker through pages of load balancers and of target groups", async () => {
    // Prepare
    const ours = sd21LoadBalancer();
    const strangers = Array.from({ length: 4 }, (_, i) => unrelatedLoadBalancer(`web-${i}`));
    const account = newElbAccount([...strangers, ours], { loadBalancers: 2, targetGroups: 4 });
    serveElbAccount(elb, account);
    const locator = new ElbLoadBalancerLocator({ client, clusterName: CLUSTER, clock: clockAt(T0) });

    // Act
    const targets = await locator.locate(service);

    // Assess
    expect(targets.loadBalancerArn).toBe(ours.arn);
    expect(Object.keys(targets.targetGroups)).toHaveLength(6);
    expect(elb).toHaveReceivedCommandTimes(DescribeLoadBalancersCommand, 3);
    expect(elb).toHaveReceivedCommandTimes(DescribeTargetGroupsCommand, 2);
    expect(account.pagedRequests).toEqual([
      { operation: "DescribeLoadBalancers" },
      { operation: "DescribeLoadBalancers", marker: "2" },
      { operation: "DescribeLoadBalancers", marker: "4" },
      { operation: "DescribeTargetGroups", parent: ours.arn },
      { operation: "DescribeTargetGroups", parent: ours.arn, marker: "4" },
    ]);
  });

  it("asks for no page of load balancers past the one that holds the Ingress's", async () => {
    // Prepare: ours on the first of three pages.
    const ours = sd21LoadBalancer();
    const strangers = Array.from({ length: 4 }, (_, i) => unrelatedLoadBalancer(`web-${i}`));
    serveElbAccount(elb, newElbAccount([ours, ...strangers], { loadBalancers: 2 }));
    const locator = new ElbLoadBalancerLocator({ client, clusterName: CLUSTER, clock: clockAt(T0) });

    // Act
    const targets = await locator.locate(service);

    // Assess
    expect(targets.loadBalancerArn).toBe(ours.arn);
    expect(elb).toHaveReceivedCommandTimes(DescribeLoadBalancersCommand, 1);
  });

  it("keeps the configured port when a Service has two target groups and leaves out untagged ones", async () => {
    // Prepare
    const ours = sd21LoadBalancer();
    const inf2AtMetricsPort = serviceTargetGroup({
      namespace: "default",
      ingress: "sd21",
      service: "sd21-inf2",
      port: 9090,
    });
    const handMade = { arn: ours.arn.replace(":loadbalancer/app/", ":targetgroup/"), tags: { team: "web" } };
    ours.targetGroups = [inf2AtMetricsPort, ...ours.targetGroups, handMade];
    serveElbAccount(elb, newElbAccount([ours]));
    const locator = new ElbLoadBalancerLocator({ client, clusterName: CLUSTER, clock: clockAt(T0) });

    // Act
    const targets = await locator.locate(service);

    // Assess
    const inf2At80 = ours.targetGroups.find(
      (tg) => tg.tags["ingress.k8s.aws/resource"] === "default/sd21-sd21-inf2:80",
    );
    expect(targets.targetGroups["sd21-inf2"]?.arn).toBe(inf2At80?.arn);
    expect(Object.values(targets.targetGroups).map((tg) => tg.arn)).not.toContain(handMade.arn);
  });

  it("makes no ELBv2 call for a second locate within the TTL", async () => {
    // Prepare
    serveElbAccount(elb, newElbAccount([unrelatedLoadBalancer("web"), sd21LoadBalancer()]));
    const clock = clockAt(T0);
    const locator = new ElbLoadBalancerLocator({ client, clusterName: CLUSTER, clock });
    const first = await locator.locate(service);
    elb.resetHistory();
    clock.advance(5 * 60_000 - 1);

    // Act
    const second = await locator.locate(service);

    // Assess
    expect(second).toEqual(first);
    expect(elb).not.toHaveReceivedAnyCommand();
  });

  it("lists the account's load balancers again once the TTL has passed", async () => {
    // Prepare
    const account = newElbAccount([unrelatedLoadBalancer("web"), sd21LoadBalancer()]);
    serveElbAccount(elb, account);
    const clock = clockAt(T0);
    const locator = new ElbLoadBalancerLocator({ client, clusterName: CLUSTER, clock, cacheTtlMs: 120_000 });
    await locator.locate(service);
    const replacement = sd21LoadBalancer();
    account.loadBalancers = [unrelatedLoadBalancer("web"), replacement];
    elb.resetHistory();
    clock.advance(120_000);

    // Act
    const targets = await locator.locate(service);

    // Assess
    expect(targets.loadBalancerArn).toBe(replacement.arn);
    expect(elb).toHaveReceivedCommandTimes(DescribeLoadBalancersCommand, 1);
  });

  it("re-reads only the ALB's target groups when a unit's Service is missing from the cache", async () => {
    // Prepare: in capacity mode the controller keeps only the consolidated Service's target group.
    const ours = sd21LoadBalancer();
    const unitGroups = ours.targetGroups.slice(0, 5);
    ours.targetGroups = ours.targetGroups.slice(5);
    serveElbAccount(elb, newElbAccount([unrelatedLoadBalancer("web"), ours]));
    const clock = clockAt(T0);
    const locator = new ElbLoadBalancerLocator({ client, clusterName: CLUSTER, clock });
    const before = await locator.locate(service);
    ours.targetGroups = [...ours.targetGroups, ...unitGroups];
    elb.resetHistory();
    clock.advance(60_000);

    // Act
    const after = await locator.locate(service);

    // Assess
    expect(Object.keys(before.targetGroups)).toEqual(["sd21"]);
    expect(Object.keys(after.targetGroups).sort()).toEqual(backends.map((b) => b.name).sort());
    expect(elb).not.toHaveReceivedCommand(DescribeLoadBalancersCommand);
    expect(elb).toHaveReceivedCommandTimes(DescribeTargetGroupsCommand, 1);
    expect(elb).toHaveReceivedCommandTimes(DescribeTagsCommand, 1);
  });

  it("refreshes once, not in a loop, when a unit's Service is still missing", async () => {
    // Prepare
    const ours = sd21LoadBalancer();
    ours.targetGroups = ours.targetGroups.filter((tg) => !tg.arn.includes("sd21-l4"));
    serveElbAccount(elb, newElbAccount([ours]));
    const locator = new ElbLoadBalancerLocator({ client, clusterName: CLUSTER, clock: clockAt(T0) });
    await locator.locate(service);
    elb.resetHistory();

    // Act
    const targets = await locator.locate(service);

    // Assess
    expect(targets.targetGroups["sd21-l4-triton"]).toBeUndefined();
    expect(elb).toHaveReceivedCommandTimes(DescribeTargetGroupsCommand, 1);
    expect(elb).not.toHaveReceivedCommand(DescribeLoadBalancersCommand);
  });

  it("looks for the ALB again when a refresh finds the cached one gone", async () => {
    // Prepare
    const account = newElbAccount([sd21LoadBalancer()]);
    serveElbAccount(elb, account);
    const locator = new ElbLoadBalancerLocator({ client, clusterName: CLUSTER, clock: clockAt(T0) });
    await locator.locate(service);
    const recreated = sd21LoadBalancer();
    account.loadBalancers = [recreated];

    // Act
    const targets = await locator.locate(service, { refresh: true });

    // Assess
    expect(targets.loadBalancerArn).toBe(recreated.arn);
    expect(targets.targetGroups["sd21-inf2"]?.arn).toBe(recreated.targetGroups[0]?.arn);
  });

  it("throws LoadBalancerNotFoundError naming the tags it searched and what to check", async () => {
    // Prepare
    const otherCluster = ingressLoadBalancer({ namespace: "default", name: "sd21" }, { cluster: "staging" });
    serveElbAccount(elb, newElbAccount([unrelatedLoadBalancer("web"), otherCluster]));
    const locator = new ElbLoadBalancerLocator({ client, clusterName: CLUSTER, clock: clockAt(T0) });

    // Act
    const failure = locator.locate(service);

    // Assess
    await expect(failure).rejects.toThrow(LoadBalancerNotFoundError);
    await expect(failure).rejects.toThrow(
      /elbv2\.k8s\.aws\/cluster=hw-agnostic-infer and ingress\.k8s\.aws\/stack=default\/sd21 \(searched 2 application load balancers/,
    );
    await expect(failure).rejects.toThrow(/reconciled Ingress default\/sd21/);
    await expect(failure).rejects.toThrow(/cluster\.name in the config \(hw-agnostic-infer\)/);
  });

  it("throws a retryable AwsCallError when ELBv2 throttles", async () => {
    // Prepare
    const throttled = Object.assign(new Error("Rate exceeded"), {
      name: "Throttling",
      $fault: "client",
      $metadata: { httpStatusCode: 400 },
    });
    elb.on(DescribeLoadBalancersCommand).rejects(throttled);
    const locator = new ElbLoadBalancerLocator({ client, clusterName: CLUSTER, clock: clockAt(T0) });

    // Act
    const error = await locator.locate(service).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error).toMatchObject({ retryable: true, cause: throttled });
    expect((error as Error).message).toMatch(
      /DescribeLoadBalancers failed while looking for the ALB of Ingress default\/sd21/,
    );
  });

  it("names the missing IAM action when ELBv2 refuses", async () => {
    // Prepare
    serveElbAccount(elb, newElbAccount([sd21LoadBalancer()]));
    const denied = Object.assign(new Error("User is not authorized"), {
      name: "AccessDenied",
      $fault: "client",
      $metadata: { httpStatusCode: 403 },
    });
    elb.on(DescribeTagsCommand).rejects(denied);
    const locator = new ElbLoadBalancerLocator({ client, clusterName: CLUSTER, clock: clockAt(T0) });

    // Act
    const error = await locator.locate(service).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error).toMatchObject({ retryable: false });
    expect((error as Error).message).toMatch(/allows elasticloadbalancing:DescribeTags/);
  });

  it("declares the IAM actions it calls", () => {
    expect(ElbLoadBalancerLocator.iamActions).toEqual([
      "elasticloadbalancing:DescribeLoadBalancers",
      "elasticloadbalancing:DescribeTags",
      "elasticloadbalancing:DescribeTargetGroups",
    ]);
  });
});

describe("Function: loadBalancerDimension", () => {
  it.each([
    [
      "arn:aws:elasticloadbalancing:us-west-2:123456789012:loadbalancer/app/k8s-default-sd21-4f1c2a9b7e/50dc6c495c0c9188",
      "app/k8s-default-sd21-4f1c2a9b7e/50dc6c495c0c9188",
    ],
    [
      "arn:aws-cn:elasticloadbalancing:cn-north-1:123456789012:loadbalancer/app/web/0123456789abcdef",
      "app/web/0123456789abcdef",
    ],
  ])("gives the ARN's resource part for %s", (arn, dimension) => {
    expect(loadBalancerDimension(arn)).toBe(dimension);
  });

  it("refuses a Network Load Balancer ARN", () => {
    expect(() =>
      loadBalancerDimension(
        "arn:aws:elasticloadbalancing:us-west-2:123456789012:loadbalancer/net/nlb/0123456789abcdef",
      ),
    ).toThrow(/is not an Application Load Balancer ARN/);
  });
});

describe("Function: targetGroupDimension", () => {
  it("gives targetgroup/<name>/<id> for a target group ARN", () => {
    expect(
      targetGroupDimension(
        "arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/k8s-default-sd21inf2-0a1b2c3d4e/73e2d6bc24d8a067",
      ),
    ).toBe("targetgroup/k8s-default-sd21inf2-0a1b2c3d4e/73e2d6bc24d8a067");
  });

  it("refuses an ARN that is not a target group's", () => {
    expect(() =>
      targetGroupDimension(
        "arn:aws:elasticloadbalancing:us-west-2:123456789012:loadbalancer/app/web/0123456789abcdef",
      ),
    ).toThrow(LoadBalancerNotFoundError);
  });
});
