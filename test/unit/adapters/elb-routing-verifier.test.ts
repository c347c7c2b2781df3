import {
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { ElbLoadBalancerLocator, ElbRoutingVerifier } from "@switchyard/adapters";
import type { TargetGroupWeight } from "@switchyard/core";
import { STANDBY_SOURCE_IP } from "@switchyard/core/manifests";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import "../../support/aws-sdk-matchers.ts";
import {
  CLUSTER,
  defaultRule,
  type FakeLoadBalancer,
  ingressLoadBalancer,
  listenerArn,
  newElbAccount,
  ruleArn,
  serveElbAccount,
  serviceTargetGroup,
  singleTargetRule,
  unrelatedLoadBalancer,
  weightedRule,
} from "../../support/elb-account.ts";
import { sd21Service } from "../../support/sd21.ts";

const service = sd21Service();
const clock = { now: () => Date.parse("2025-06-01T10:00:00Z") };

/** The seed's hand weights over the five units: a cost-mode plan. */
const costPlan: TargetGroupWeight[] = [
  { serviceName: "sd21-inf2", servicePort: 80, weight: 40 },
  { serviceName: "sd21-trn1", servicePort: 80, weight: 20 },
  { serviceName: "sd21-a10g-triton", servicePort: 80, weight: 15 },
  { serviceName: "sd21-l4-triton", servicePort: 80, weight: 10 },
  { serviceName: "sd21-a10g-cuda", servicePort: 80, weight: 15 },
];
const capacityPlan: TargetGroupWeight[] = [{ serviceName: "sd21", servicePort: 80, weight: 100 }];

function sd21LoadBalancer(): FakeLoadBalancer {
  return ingressLoadBalancer(
    { namespace: "default", name: "sd21" },
    {
      services: [
        ...service.units.map((unit) => ({ name: unit.service.name, port: unit.service.port })),
        { name: "sd21", port: 80 },
      ],
    },
  );
}

function arnOf(lb: FakeLoadBalancer, serviceName: string): string {
  const tg = lb.targetGroups.find(
    (g) => g.tags["ingress.k8s.aws/resource"] === `default/sd21-${serviceName}:80`,
  );
  if (tg === undefined) {
    throw new Error(`no target group for ${serviceName}`);
  }
  return tg.arn;
}

function forwardTo(lb: FakeLoadBalancer, weights: Readonly<Record<string, number>>) {
  return Object.entries(weights).map(([name, weight]) => ({ arn: arnOf(lb, name), weight }));
}

/** An ALB with an HTTP listener holding the action's rule and the controller's default rule. */
function albWithRule(weights: Readonly<Record<string, number>>): { lb: FakeLoadBalancer; rule: string } {
  const lb = sd21LoadBalancer();
  const listener = listenerArn(lb, 80);
  const rule = ruleArn(listener, 1);
  lb.listeners = [
    {
      arn: listener,
      rules: [weightedRule(rule, 1, forwardTo(lb, weights)), defaultRule(ruleArn(listener, "default"))],
    },
  ];
  return { lb, rule };
}

const seedWeights = {
  "sd21-inf2": 40,
  "sd21-trn1": 20,
  "sd21-a10g-triton": 15,
  "sd21-l4-triton": 10,
  "sd21-a10g-cuda": 15,
};

describe("Class: ElbRoutingVerifier", () => {
  const elb = mockClient(ElasticLoadBalancingV2Client);
  const client = new ElasticLoadBalancingV2Client({ region: "us-west-2" });
  const verifierOver = (locator = new ElbLoadBalancerLocator({ client, clusterName: CLUSTER, clock })) =>
    new ElbRoutingVerifier({ client, locator });

  afterEach(() => {
    elb.reset();
  });

  it("reports applied when the rule holds every planned weight", async () => {
    // Prepare
    const { lb, rule } = albWithRule(seedWeights);
    serveElbAccount(elb, newElbAccount([unrelatedLoadBalancer("web"), lb]));

    // Act
    const check = await verifierOver().verify(service, costPlan);

    // Assess
    expect(check).toEqual({ applied: true, differences: [], ruleArn: rule });
  });

  it("never takes Switchyard's standby rule (source-ip 192.0.2.1/32) for the action's, though it names the same target groups", async () => {
    // Prepare: the standby rule forwards to the five units at weight 1, listed first.
    const { lb, rule } = albWithRule(seedWeights);
    const listener = lb.listeners[0];
    if (listener === undefined) {
      throw new Error("no listener");
    }
    const standby = weightedRule(
      ruleArn(listener.arn, 2),
      2,
      forwardTo(lb, Object.fromEntries(Object.keys(seedWeights).map((n) => [n, 1]))),
    );
    standby.Conditions = [
      ...(standby.Conditions ?? []),
      { Field: "source-ip", SourceIpConfig: { Values: [STANDBY_SOURCE_IP] } },
    ];
    listener.rules = [standby, ...listener.rules];
    serveElbAccount(elb, newElbAccount([lb]));

    // Act
    const check = await verifierOver().verify(service, costPlan);

    // Assess
    expect(check).toEqual({ applied: true, differences: [], ruleArn: rule });
  });

  it("reports a differing weight and a planned target group the rule lacks", async () => {
    // Prepare
    const { lb, rule } = albWithRule({
      "sd21-inf2": 40,
      "sd21-trn1": 25,
      "sd21-a10g-triton": 15,
      "sd21-l4-triton": 10,
    });
    serveElbAccount(elb, newElbAccount([lb]));

    // Act
    const check = await verifierOver().verify(service, costPlan);

    // Assess
    expect(check.applied).toBe(false);
    expect(check.ruleArn).toBe(rule);
    expect(check.differences).toEqual([
      { serviceName: "sd21-trn1", expected: 20, actual: 25 },
      { serviceName: "sd21-a10g-cuda", expected: 15, actual: null },
    ]);
  });

  it("reports target groups the plan does not expect when they still carry traffic", async () => {
    // Prepare: a failover to the consolidated Service, not reconciled yet.
    const { lb, rule } = albWithRule({ ...seedWeights, "sd21-l4-triton": 0 });
    serveElbAccount(elb, newElbAccount([lb]));

    // Act
    const check = await verifierOver().verify(service, capacityPlan);

    // Assess
    expect(check.applied).toBe(false);
    expect(check.ruleArn).toBe(rule);
    expect(check.differences).toEqual([
      { serviceName: "sd21", expected: 100, actual: null },
      { serviceName: "sd21-inf2", expected: 0, actual: 40 },
      { serviceName: "sd21-trn1", expected: 0, actual: 20 },
      { serviceName: "sd21-a10g-triton", expected: 0, actual: 15 },
      { serviceName: "sd21-a10g-cuda", expected: 0, actual: 15 },
    ]);
  });

  it("accepts a forward to one target group given as the action's TargetGroupArn", async () => {
    // Prepare
    const lb = sd21LoadBalancer();
    const listener = listenerArn(lb, 80);
    const rule = ruleArn(listener, 1);
    lb.listeners = [{ arn: listener, rules: [singleTargetRule(rule, 1, arnOf(lb, "sd21"))] }];
    serveElbAccount(elb, newElbAccount([lb]));

    // Act
    const check = await verifierOver().verify(service, capacityPlan);

    // Assess
    expect(check).toEqual({ applied: true, differences: [], ruleArn: rule });
  });

  it("reports a one-target-group forward as wrong when the plan spreads traffic", async () => {
    // Prepare
    const lb = sd21LoadBalancer();
    const listener = listenerArn(lb, 80);
    lb.listeners = [{ arn: listener, rules: [singleTargetRule(ruleArn(listener, 1), 1, arnOf(lb, "sd21"))] }];
    serveElbAccount(elb, newElbAccount([lb]));

    // Act
    const check = await verifierOver().verify(service, costPlan);

    // Assess
    expect(check.applied).toBe(false);
    expect(check.differences).toContainEqual({ serviceName: "sd21", expected: 0, actual: 1 });
    expect(check.differences).toContainEqual({ serviceName: "sd21-inf2", expected: 40, actual: null });
  });

  it("follows Marker through pages of listeners and of rules asked for 400 at a time", async () => {
    // Prepare: two listeners, one a page; the planned rule on the second page of the second listener's rules.
    const lb = sd21LoadBalancer();
    const http = listenerArn(lb, 80);
    const https = listenerArn(lb, 443);
    const others = Array.from({ length: 3 }, (_, i) =>
      singleTargetRule(
        ruleArn(https, i + 1),
        i + 1,
        "arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/web/00000000000000ff",
        `/web${i}`,
      ),
    );
    const rule = ruleArn(https, 10);
    lb.listeners = [
      { arn: http, rules: [] },
      { arn: https, rules: [...others, weightedRule(rule, 10, forwardTo(lb, seedWeights))] },
    ];
    const account = newElbAccount([lb], { listeners: 1, rules: 2 });
    serveElbAccount(elb, account);

    // Act
    const check = await verifierOver().verify(service, costPlan);

    // Assess
    expect(check).toEqual({ applied: true, differences: [], ruleArn: rule });
    expect(account.pagedRequests.filter((r) => r.operation.match(/Listeners|Rules/))).toEqual([
      { operation: "DescribeListeners", parent: lb.arn },
      { operation: "DescribeListeners", parent: lb.arn, marker: "1" },
      { operation: "DescribeRules", parent: http },
      { operation: "DescribeRules", parent: https },
      { operation: "DescribeRules", parent: https, marker: "2" },
    ]);
    expect(elb).toHaveReceivedCommandWith(DescribeRulesCommand, { PageSize: 400 });
  });

  it("picks the rule forwarding to the planned Services over another path's rule", async () => {
    // Prepare
    const lb = sd21LoadBalancer();
    const listener = listenerArn(lb, 80);
    const debug = singleTargetRule(ruleArn(listener, 1), 1, arnOf(lb, "sd21-inf2"), "/debug/inf2");
    const rule = ruleArn(listener, 2);
    lb.listeners = [{ arn: listener, rules: [debug, weightedRule(rule, 2, forwardTo(lb, seedWeights))] }];
    serveElbAccount(elb, newElbAccount([lb]));

    // Act
    const check = await verifierOver().verify(service, costPlan);

    // Assess
    expect(check).toEqual({ applied: true, differences: [], ruleArn: rule });
  });

  it("checks the rule of every listener and reports the one not updated yet", async () => {
    // Prepare: the controller has updated HTTP but not yet HTTPS.
    const lb = sd21LoadBalancer();
    const http = listenerArn(lb, 80);
    const https = listenerArn(lb, 443);
    const stale = ruleArn(https, 1);
    lb.listeners = [
      { arn: http, rules: [weightedRule(ruleArn(http, 1), 1, forwardTo(lb, seedWeights))] },
      { arn: https, rules: [weightedRule(stale, 1, forwardTo(lb, { ...seedWeights, "sd21-inf2": 0 }))] },
    ];
    serveElbAccount(elb, newElbAccount([lb]));

    // Act
    const check = await verifierOver().verify(service, costPlan);

    // Assess
    expect(check).toEqual({
      applied: false,
      differences: [{ serviceName: "sd21-inf2", expected: 40, actual: 0 }],
      ruleArn: stale,
    });
  });

  it("reads the target groups again when the rule forwards to ones the cached location does not know", async () => {
    // Prepare: a cached location, then the controller replaces every unit's target group.
    const lb = sd21LoadBalancer();
    const account = newElbAccount([lb]);
    serveElbAccount(elb, account);
    const locator = new ElbLoadBalancerLocator({ client, clusterName: CLUSTER, clock });
    await locator.locate(service);
    lb.targetGroups = lb.targetGroups.map((tg) =>
      tg.tags["ingress.k8s.aws/resource"] === "default/sd21-sd21:80"
        ? tg
        : serviceTargetGroup({
            namespace: "default",
            ingress: "sd21",
            service: (tg.tags["ingress.k8s.aws/resource"] ?? "").replace(/^default\/sd21-|:80$/g, ""),
            port: 80,
          }),
    );
    const listener = listenerArn(lb, 80);
    const rule = ruleArn(listener, 1);
    lb.listeners = [{ arn: listener, rules: [weightedRule(rule, 1, forwardTo(lb, seedWeights))] }];
    elb.resetHistory();

    // Act
    const check = await verifierOver(locator).verify(service, costPlan);

    // Assess
    expect(check).toEqual({ applied: true, differences: [], ruleArn: rule });
    expect(elb).toHaveReceivedCommandTimes(DescribeTargetGroupsCommand, 1);
    expect(elb).not.toHaveReceivedCommand(DescribeLoadBalancersCommand);
  });

  it("reports no rule when none forwards to the service's target groups", async () => {
    // Prepare
    const lb = sd21LoadBalancer();
    const listener = listenerArn(lb, 80);
    lb.listeners = [{ arn: listener, rules: [defaultRule(ruleArn(listener, "default"))] }];
    serveElbAccount(elb, newElbAccount([lb]));

    // Act
    const check = await verifierOver().verify(service, capacityPlan);

    // Assess
    expect(check).toEqual({
      applied: false,
      differences: [{ serviceName: "sd21", expected: 100, actual: null }],
      ruleArn: null,
    });
  });

  it("declares its own IAM actions and the locator's", () => {
    expect([...ElbRoutingVerifier.iamActions].sort()).toEqual([
      "elasticloadbalancing:DescribeListeners",
      "elasticloadbalancing:DescribeLoadBalancers",
      "elasticloadbalancing:DescribeRules",
      "elasticloadbalancing:DescribeTags",
      "elasticloadbalancing:DescribeTargetGroups",
    ]);
  });
});
