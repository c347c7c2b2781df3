import {
  DescribeRulesCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  type TargetHealthDescription,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { actionAnnotationKey } from "@switchyard/core/manifests";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  type FakeLoadBalancer,
  ingressLoadBalancer,
  newElbAccount,
  serveElbAccount,
} from "../support/elb-account.ts";
import { KubeApiDouble } from "../support/kube-api-double.ts";
import { seedSd21 } from "../support/kube-objects.ts";
import {
  LBC_HEALTH_CHECK_DEFAULTS,
  LoadBalancerControllerStandIn,
} from "../support/load-balancer-controller.ts";
import { sd21Service } from "../support/sd21.ts";

const service = sd21Service();
const ACTION = actionAnnotationKey("weighted-routing");
const T0 = Date.parse("2026-11-14T21:20:00Z");

/**
 * The doubles' own behaviour, each as the upstream source it models says (see the stand-in's
 * doc comment for the files): a test that leans on a double leans on these.
 */
describe("Class: LoadBalancerControllerStandIn", () => {
  const elb = mockClient(ElasticLoadBalancingV2Client);
  const client = new ElasticLoadBalancingV2Client({ region: "us-west-2" });
  let double: KubeApiDouble;
  let alb: FakeLoadBalancer;
  let lbc: LoadBalancerControllerStandIn;

  const health = async (arn: string): Promise<TargetHealthDescription[]> =>
    (await client.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }))).TargetHealthDescriptions ??
    [];
  const states = async (arn: string) => (await health(arn)).map((t) => t.TargetHealth?.State);
  const setAction = (value: string) =>
    double.edit("Ingress", "default", "sd21", (o) => {
      (o.metadata.annotations as Record<string, string>)[ACTION] = value;
    });
  const forward = (groups: readonly [string, number | string][]) =>
    JSON.stringify({
      type: "forward",
      forwardConfig: {
        targetGroups: groups.map(([serviceName, servicePort]) => ({ serviceName, servicePort, weight: 1 })),
      },
    });

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(T0);
    double = new KubeApiDouble();
    seedSd21(double);
    alb = ingressLoadBalancer(
      { namespace: "default", name: "sd21" },
      { services: service.units.map((u) => ({ name: u.service.name, port: 80 })) },
    );
    serveElbAccount(elb, newElbAccount([alb]));
    lbc = new LoadBalancerControllerStandIn(double, service, alb);
    lbc.serve(elb);
  });

  afterEach(() => {
    elb.reset();
    vi.useRealTimers();
  });

  it("makes a target group when a rule first names a Service:port, and deletes it after the last rule stops naming it", async () => {
    // Act: the action names the consolidated Service, then only it.
    setAction(
      forward([
        ["sd21-inf2", 80],
        ["sd21", 80],
      ]),
    );
    await client.send(new DescribeRulesCommand({ ListenerArn: "any" }));
    const made = lbc.targetGroupOf("sd21", 80);
    setAction(forward([["sd21", 80]]));
    await client.send(new DescribeRulesCommand({ ListenerArn: "any" }));

    // Assess
    expect(made).toBeDefined();
    expect(lbc.targetGroupOf("sd21", 80)).toBe(made);
    expect(lbc.targetGroupOf("sd21-inf2", 80)).toBeUndefined();
    expect(alb.targetGroups.map((g) => g.tags["ingress.k8s.aws/resource"])).toEqual(["default/sd21-sd21:80"]);
  });

  it('makes two target groups of one Service port named 80 and `http`, and reads "80" as 80', async () => {
    // Act
    setAction(
      forward([
        ["sd21-inf2", "http"],
        ["sd21-trn1", "80"],
      ]),
    );
    await client.send(new DescribeRulesCommand({ ListenerArn: "any" }));

    // Assess
    expect(lbc.targetGroupOf("sd21-inf2", "http")).toBeDefined();
    expect(lbc.targetGroupOf("sd21-inf2", 80)).toBeUndefined();
    expect(lbc.targetGroupOf("sd21-trn1", 80)).toBeDefined();
  });

  it("registers a new group's targets after a delay, keeps them initial for HealthyThresholdCount checks, then healthy; the ALB answers 503 until then", async () => {
    // Prepare: the Ingress sets no health-check annotations, so the controller's defaults apply.
    double.edit("Ingress", "default", "sd21", (o) => {
      const annotations = o.metadata.annotations as Record<string, string>;
      delete annotations["alb.ingress.kubernetes.io/healthcheck-interval-seconds"];
      delete annotations["alb.ingress.kubernetes.io/healthy-threshold-count"];
    });
    setAction(forward([["sd21", 80]]));
    await client.send(new DescribeRulesCommand({ ListenerArn: "any" }));
    const group = lbc.targetGroupOf("sd21", 80) ?? "";
    const ready = service.units.length;
    const checks =
      LBC_HEALTH_CHECK_DEFAULTS.healthyThresholdCount * LBC_HEALTH_CHECK_DEFAULTS.intervalSeconds * 1000;

    // Act / Assess
    expect(await health(group)).toEqual([]);
    expect(lbc.servesTraffic(group)).toBe(false);
    vi.setSystemTime(T0 + lbc.registrationDelayMs);
    expect(await states(group)).toEqual(Array.from({ length: ready }, () => "initial"));
    expect((await health(group))[0]?.TargetHealth?.Reason).toBe("Elb.InitialHealthChecking");
    expect(lbc.servesTraffic(group)).toBe(false);
    vi.setSystemTime(T0 + lbc.registrationDelayMs + checks - 1);
    expect(lbc.servesTraffic(group)).toBe(false);
    vi.setSystemTime(T0 + lbc.registrationDelayMs + checks);
    expect(await states(group)).toEqual(Array.from({ length: ready }, () => "healthy"));
    expect(lbc.servesTraffic(group)).toBe(true);
  });

  it("shows a rule per Ingress backend, a standby's with its source-ip condition, and health-checks what any rule names", async () => {
    // Prepare
    double.edit("Ingress", "default", "sd21", (o) => {
      (o.metadata.annotations as Record<string, string>)[actionAnnotationKey("weighted-routing-standby-1")] =
        forward([["sd21", 80]]);
      (o.metadata.annotations as Record<string, string>)[
        "alb.ingress.kubernetes.io/conditions.weighted-routing-standby-1"
      ] = '[{"field":"source-ip","sourceIpConfig":{"values":["192.0.2.1/32"]}}]';
      (o.spec as { rules: unknown[] }).rules.push({
        http: {
          paths: [
            {
              path: "/",
              pathType: "Prefix",
              backend: { service: { name: "weighted-routing-standby-1", port: { name: "use-annotation" } } },
            },
          ],
        },
      });
    });

    // Act
    const rules = (await client.send(new DescribeRulesCommand({ ListenerArn: "any" }))).Rules ?? [];

    // Assess
    expect(rules.map((r) => r.Conditions?.map((c) => c.Field))).toEqual([
      ["path-pattern"],
      ["path-pattern", "source-ip"],
    ]);
    expect(rules[1]?.Conditions?.[1]?.SourceIpConfig?.Values).toEqual(["192.0.2.1/32"]);
    vi.setSystemTime(T0 + 60_000);
    expect(lbc.servesTraffic(lbc.targetGroupOf("sd21", 80) ?? "")).toBe(true);
  });
});
