import {
  type Action,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  type ElasticLoadBalancingV2Client,
  LoadBalancerNotFoundException,
  type Rule,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import type { AwsClientStub } from "aws-sdk-client-mock";

/**
 * An ELBv2 account behind an aws-sdk-client-mock stub: it pages by `Marker` the way
 * the API does and refuses more than 20 ARNs in DescribeTags, so the adapters' paging
 * and batching are exercised rather than assumed.
 */

export const ACCOUNT = "123456789012";
export const REGION = "us-west-2";
export const CLUSTER = "hw-agnostic-infer";

export interface FakeTargetGroup {
  readonly arn: string;
  readonly tags: Readonly<Record<string, string>>;
}

export interface FakeListener {
  readonly arn: string;
  rules: Rule[];
}

export interface FakeLoadBalancer {
  readonly arn: string;
  readonly type?: "application" | "network";
  readonly tags: Readonly<Record<string, string>>;
  targetGroups: FakeTargetGroup[];
  listeners: FakeListener[];
}

export interface FakeElbAccount {
  loadBalancers: FakeLoadBalancer[];
  readonly pageSize: {
    readonly loadBalancers: number;
    readonly targetGroups: number;
    readonly listeners: number;
    readonly rules: number;
  };
  /**
   * The paged requests as each was answered: operation, the parent it pages over (load
   * balancer or listener ARN) and its Marker. Taken when the request is served because the
   * SDK's paginators (@smithy/core createPaginator) reuse one input object and set its
   * Marker for the next page after each answer: the real SDK has serialized the request
   * by then, but the commands aws-sdk-client-mock records all show the last Marker.
   */
  readonly pagedRequests: { operation: string; parent?: string; marker?: string }[];
}

export type ElbStub = AwsClientStub<ElasticLoadBalancingV2Client>;

let serial = 0;
function nextId(): string {
  serial += 1;
  return serial.toString(16).padStart(16, "0");
}

export function loadBalancerArn(name: string, id = nextId()): string {
  return `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:loadbalancer/app/${name}/${id}`;
}

export function targetGroupArn(name: string, id = nextId()): string {
  return `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:targetgroup/${name}/${id}`;
}

/** A target group as the controller tags it for `<namespace>/<ingress>-<service>:<port>`. */
export function serviceTargetGroup(
  backend: {
    readonly namespace: string;
    readonly ingress: string;
    readonly service: string;
    readonly port: number | string;
  },
  cluster = CLUSTER,
): FakeTargetGroup {
  return {
    arn: targetGroupArn(`k8s-${backend.namespace}-${backend.service}`.slice(0, 32)),
    tags: {
      "elbv2.k8s.aws/cluster": cluster,
      "ingress.k8s.aws/stack": `${backend.namespace}/${backend.ingress}`,
      "ingress.k8s.aws/resource": `${backend.namespace}/${backend.ingress}-${backend.service}:${backend.port}`,
    },
  };
}

/** An ALB as the controller tags it for an Ingress of an implicit group. */
export function ingressLoadBalancer(
  ingress: { readonly namespace: string; readonly name: string },
  options: {
    readonly cluster?: string;
    readonly services?: readonly { name: string; port: number | string }[];
  } = {},
): FakeLoadBalancer {
  const cluster = options.cluster ?? CLUSTER;
  return {
    arn: loadBalancerArn(`k8s-${ingress.namespace}-${ingress.name}`.slice(0, 32)),
    type: "application",
    tags: {
      "elbv2.k8s.aws/cluster": cluster,
      "ingress.k8s.aws/stack": `${ingress.namespace}/${ingress.name}`,
      "ingress.k8s.aws/resource": "LoadBalancer",
    },
    targetGroups: (options.services ?? []).map((svc) =>
      serviceTargetGroup(
        { namespace: ingress.namespace, ingress: ingress.name, service: svc.name, port: svc.port },
        cluster,
      ),
    ),
    listeners: [],
  };
}

/** An ALB of something else in the account: no controller tags. */
export function unrelatedLoadBalancer(name: string): FakeLoadBalancer {
  return {
    arn: loadBalancerArn(name),
    type: "application",
    tags: { team: "web" },
    targetGroups: [],
    listeners: [],
  };
}

export function listenerArn(loadBalancer: FakeLoadBalancer, port: number): string {
  return `${loadBalancer.arn.replace(":loadbalancer/", ":listener/")}/${port.toString(16).padStart(16, "0")}`;
}

export function ruleArn(listener: string, priority: number | "default"): string {
  return `${listener.replace(":listener/", ":listener-rule/")}/${String(priority).padStart(16, "0")}`;
}

/** A weighted forward, as DescribeRules returns what the controller wrote. */
export function weightedRule(
  arn: string,
  priority: number,
  targets: readonly { readonly arn: string; readonly weight: number }[],
): Rule {
  return {
    RuleArn: arn,
    Priority: String(priority),
    IsDefault: false,
    Conditions: [{ Field: "path-pattern", Values: ["/*"] }],
    Actions: [
      {
        Type: "forward",
        Order: 1,
        ForwardConfig: {
          TargetGroups: targets.map((t) => ({ TargetGroupArn: t.arn, Weight: t.weight })),
          TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 200 },
        },
      },
    ],
  };
}

/** A forward to one target group given only as the action's TargetGroupArn. */
export function singleTargetRule(arn: string, priority: number, target: string, path = "/*"): Rule {
  const action: Action = { Type: "forward", Order: 1, TargetGroupArn: target };
  return {
    RuleArn: arn,
    Priority: String(priority),
    IsDefault: false,
    Conditions: [{ Field: "path-pattern", Values: [path] }],
    Actions: [action],
  };
}

/** The controller's default rule: a fixed 404. */
export function defaultRule(arn: string): Rule {
  return {
    RuleArn: arn,
    Priority: "default",
    IsDefault: true,
    Conditions: [],
    Actions: [
      {
        Type: "fixed-response",
        Order: 1,
        FixedResponseConfig: { StatusCode: "404", ContentType: "text/plain" },
      },
    ],
  };
}

export function newElbAccount(
  loadBalancers: FakeLoadBalancer[],
  pageSize: Partial<FakeElbAccount["pageSize"]> = {},
): FakeElbAccount {
  return {
    loadBalancers,
    pageSize: { loadBalancers: 400, targetGroups: 400, listeners: 400, rules: 400, ...pageSize },
    pagedRequests: [],
  };
}

function page<T>(
  items: readonly T[],
  marker: string | undefined,
  size: number,
): { items: T[]; next?: string } {
  const from = marker === undefined ? 0 : Number(marker);
  const to = from + size;
  return to < items.length
    ? { items: items.slice(from, to), next: String(to) }
    : { items: items.slice(from) };
}

function notFound(arn: string): LoadBalancerNotFoundException {
  return new LoadBalancerNotFoundException({
    message: `One or more load balancers not found: ${arn}`,
    $metadata: {},
  });
}

/** Answers the stub's ELBv2 calls from `account`, which a test may change between calls. */
export function serveElbAccount(stub: ElbStub, account: FakeElbAccount): void {
  const byLoadBalancer = (arn: string | undefined): FakeLoadBalancer => {
    const found = account.loadBalancers.find((lb) => lb.arn === arn);
    if (found === undefined) {
      throw notFound(String(arn));
    }
    return found;
  };

  const served = (operation: string, parent: string | undefined, marker: string | undefined): void => {
    account.pagedRequests.push({
      operation,
      ...(parent === undefined ? {} : { parent }),
      ...(marker === undefined ? {} : { marker }),
    });
  };

  stub.on(DescribeLoadBalancersCommand).callsFake((input: { Marker?: string }) => {
    served("DescribeLoadBalancers", undefined, input.Marker);
    const { items, next } = page(account.loadBalancers, input.Marker, account.pageSize.loadBalancers);
    return {
      LoadBalancers: items.map((lb) => ({ LoadBalancerArn: lb.arn, Type: lb.type ?? "application" })),
      ...(next === undefined ? {} : { NextMarker: next }),
    };
  });

  stub.on(DescribeTargetGroupsCommand).callsFake((input: { LoadBalancerArn?: string; Marker?: string }) => {
    served("DescribeTargetGroups", input.LoadBalancerArn, input.Marker);
    const lb = byLoadBalancer(input.LoadBalancerArn);
    const { items, next } = page(lb.targetGroups, input.Marker, account.pageSize.targetGroups);
    return {
      TargetGroups: items.map((tg) => ({ TargetGroupArn: tg.arn, LoadBalancerArns: [lb.arn] })),
      ...(next === undefined ? {} : { NextMarker: next }),
    };
  });

  stub.on(DescribeTagsCommand).callsFake((input: { ResourceArns?: string[] }) => {
    const arns = input.ResourceArns ?? [];
    if (arns.length > 20) {
      throw Object.assign(new Error("Member must have length less than or equal to 20"), {
        name: "ValidationError",
        $fault: "client",
        $metadata: { httpStatusCode: 400 },
      });
    }
    const tagsOf = (arn: string): Readonly<Record<string, string>> =>
      account.loadBalancers.find((lb) => lb.arn === arn)?.tags ??
      account.loadBalancers.flatMap((lb) => lb.targetGroups).find((tg) => tg.arn === arn)?.tags ??
      {};
    return {
      TagDescriptions: arns.map((arn) => ({
        ResourceArn: arn,
        Tags: Object.entries(tagsOf(arn)).map(([Key, Value]) => ({ Key, Value })),
      })),
    };
  });

  stub.on(DescribeListenersCommand).callsFake((input: { LoadBalancerArn?: string; Marker?: string }) => {
    served("DescribeListeners", input.LoadBalancerArn, input.Marker);
    const lb = byLoadBalancer(input.LoadBalancerArn);
    const { items, next } = page(lb.listeners, input.Marker, account.pageSize.listeners);
    return {
      Listeners: items.map((l) => ({ ListenerArn: l.arn, LoadBalancerArn: lb.arn })),
      ...(next === undefined ? {} : { NextMarker: next }),
    };
  });

  stub
    .on(DescribeRulesCommand)
    .callsFake((input: { ListenerArn?: string; Marker?: string; PageSize?: number }) => {
      served("DescribeRules", input.ListenerArn, input.Marker);
      const listener = account.loadBalancers
        .flatMap((lb) => lb.listeners)
        .find((l) => l.arn === input.ListenerArn);
      if (listener === undefined) {
        throw new Error(`listener ${input.ListenerArn} not found`);
      }
      const size = Math.min(input.PageSize ?? 400, account.pageSize.rules);
      const { items, next } = page(listener.rules, input.Marker, size);
      return { Rules: items, ...(next === undefined ? {} : { NextMarker: next }) };
    });
}
