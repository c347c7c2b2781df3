import {
  DescribeListenersCommand,
  DescribeRulesCommand,
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client,
  type Rule,
  type RuleCondition,
  TargetGroupNotFoundException,
  type TargetHealthDescription,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import type { InferenceService } from "@switchyard/core";
import { actionAnnotationKey, parseForwardAction, USE_ANNOTATION } from "@switchyard/core/manifests";
import type { AwsClientStub } from "aws-sdk-client-mock";
import { normalizedPort } from "../../packages/core/src/manifests/port-form.ts";
import { conditionsAnnotationKey } from "../../packages/core/src/manifests/standby.ts";
import { type FakeLoadBalancer, listenerArn, ruleArn, serviceTargetGroup } from "./elb-account.ts";
import type { KubeApiDouble } from "./kube-api-double.ts";
import type { KubeObject } from "./seed-manifests.ts";

/**
 * The Load Balancer Controller's own health-check defaults, used when the Ingress sets no
 * annotation (kubernetes-sigs/aws-load-balancer-controller v3.5.0 pkg/ingress/model_builder.go
 * l.194-201: interval 15 s, healthy threshold 2; docs/guide/ingress/annotations.md l.52-55).
 */
export const LBC_HEALTH_CHECK_DEFAULTS = { intervalSeconds: 15, healthyThresholdCount: 2 } as const;

/** One target group the stand-in made (or found), with the times that decide its targets' health. */
interface ManagedGroup {
  /** When the targets of the group are registered: the controller creates the TargetGroupBinding at the end of its deploy, and the binding's controller registers targets after that. */
  readonly registeredAt: number;
  /** Since when a listener rule names the group: the ALB health-checks only targets of groups a rule names. */
  inRuleSince: number | null;
}

interface Backend {
  readonly service: string;
  readonly port: number | string;
}

/** One Ingress rule as the controller turns it into a listener rule: its action's target groups (by resource id), weights and conditions. */
interface RuleModel {
  readonly targets: readonly { readonly resource: string; readonly weight: number }[];
  readonly conditions: readonly RuleCondition[];
}

/**
 * A stand-in for the AWS Load Balancer Controller and the ALB's target health, as a test
 * sees them through ELBv2 (kubernetes-sigs/aws-load-balancer-controller v3.5.0; every
 * behaviour below cites where it is defined):
 *
 * - It reconciles the Ingress as a write lands (`lag` 0), `lag` ELBv2 calls after it last
 *   changed (DescribeRules and DescribeTargetHealth each count), or never (`"never"`: a
 *   controller that does not reconcile). The reconcile delay itself is not documented.
 * - A reconcile makes one listener rule per Ingress backend, in order: a `use-annotation`
 *   backend forwards as its `actions.<name>` annotation says, with the conditions of its
 *   `conditions.<name>` annotation added (pkg/ingress/enhanced_backend_builder.go
 *   `buildActionViaAnnotation`, `buildConditions`).
 * - A target group exists only while some rule of the Ingress names its Service:port: it is
 *   created in the reconcile that first names it, before the rules point at it, and deleted
 *   in the reconcile after which no rule names it (pkg/deploy/elbv2/target_group_synthesizer.go
 *   `Synthesize`, `PostSynthesize`). Its resource id is
 *   `<namespace>/<ingress>-<service>:<port>`, the port as written: 80 and `http` make two
 *   (pkg/ingress/model_build_target_group.go `buildTargetGroupResourceID` l.519-521), with
 *   a string of digits read as a number (enhanced_backend_builder.go
 *   `normalizeServicePortForBackwardsCompatibility`).
 * - A new group's targets are registered `registrationDelayMs` after it is made, not with it:
 *   its TargetGroupBinding is created last in the deploy and its controller registers the
 *   pods later (target_group_binding_synthesizer.go; pkg/targetgroupbinding/resource_manager.go
 *   `registerPodEndpoints`). How long that takes is not documented; 5 s by default here.
 * - DescribeTargetHealth: no target before registration; a group no rule names has its
 *   targets `unused` (`Target.NotInUse`); a registered target of a group a rule names is
 *   `initial` (`Elb.InitialHealthChecking`) until it passed HealthyThresholdCount checks
 *   `interval` apart, then `healthy` (ELB user guide, target-group-health-checks.md: health
 *   checks run only on target groups a listener rule names; the current page says one
 *   passed check makes a new target healthy: the stand-in takes the longer,
 *   HealthyThresholdCount checks). Interval and threshold come from the Ingress's
 *   `healthcheck-interval-seconds` and `healthy-threshold-count` annotations, else the
 *   controller's defaults (`LBC_HEALTH_CHECK_DEFAULTS`). The targets are the ready pods of
 *   the units the Service selects (target type ip).
 * - A request to a group with no healthy target is answered 503 by the ALB
 *   (load-balancer-troubleshooting.md: "HTTP 503: Service unavailable — The target groups
 *   for the load balancer have no registered targets"): `servesTraffic` says whether a
 *   group would serve now.
 *
 * Target groups the account holds when `serve` is called are taken as made long ago:
 * registered and healthy, and kept until a reconcile after an Ingress change finds no rule
 * naming them (a test that wants the world as the controller leaves it removes them).
 */
export class LoadBalancerControllerStandIn {
  lag: number | "never" = 0;
  registrationDelayMs = 5_000;
  describeRulesCalls = 0;
  readonly #double: KubeApiDouble;
  readonly #service: InferenceService;
  readonly #alb: FakeLoadBalancer;
  readonly #groups = new Map<string, ManagedGroup>();
  #shown: Rule[] = [];
  #appliedVersion: string | undefined;
  #pendingVersion: string | undefined;
  #callsSinceChange = 0;

  constructor(double: KubeApiDouble, service: InferenceService, alb: FakeLoadBalancer) {
    this.#double = double;
    this.#service = service;
    this.#alb = alb;
  }

  /** Takes over DescribeListeners, DescribeRules and DescribeTargetHealth on the ELBv2 stub; the Ingress as it is now is applied at once. */
  serve(stub: AwsClientStub<ElasticLoadBalancingV2Client>): void {
    this.describeRulesCalls = 0;
    this.#groups.clear();
    for (const group of this.#alb.targetGroups) {
      this.#groups.set(group.arn, {
        registeredAt: Number.NEGATIVE_INFINITY,
        inRuleSince: Number.NEGATIVE_INFINITY,
      });
    }
    this.#apply(Number.NEGATIVE_INFINITY, { deleteUnnamed: false });
    this.#double.watch((object) => {
      // With no lag the controller reconciles as the write lands (it watches Ingresses).
      if (
        this.lag === 0 &&
        object.kind === "Ingress" &&
        object.metadata.name === this.#service.ingress &&
        object.metadata.namespace === this.#service.namespace
      ) {
        this.#tick();
      }
    });
    stub.on(DescribeListenersCommand).resolves({
      Listeners: [
        {
          ListenerArn: listenerArn(this.#alb, 80),
          LoadBalancerArn: this.#alb.arn,
          Port: 80,
          Protocol: "HTTP",
        },
      ],
    });
    stub.on(DescribeRulesCommand).callsFake(() => {
      this.describeRulesCalls += 1;
      this.#tick();
      return { Rules: structuredClone(this.#shown) };
    });
    stub.on(DescribeTargetHealthCommand).callsFake((input: { TargetGroupArn?: string }) => {
      this.#tick();
      return { TargetHealthDescriptions: this.#targetHealth(input.TargetGroupArn ?? "") };
    });
  }

  /** The target group of a Service:port, or undefined when the controller has none (now). */
  targetGroupOf(service: string, port: number | string): string | undefined {
    return this.#alb.targetGroups.find(
      (t) => t.tags["ingress.k8s.aws/resource"] === this.#resource(service, port),
    )?.arn;
  }

  /** Whether a request the ALB sends to this target group now reaches a healthy target (else the ALB answers 503). */
  servesTraffic(arn: string): boolean {
    return this.#targetHealth(arn).some((t) => t.TargetHealth?.State === "healthy");
  }

  /** Counts one ELBv2 call as a chance to reconcile; applies a pending Ingress change once `lag` calls have passed. */
  #tick(): void {
    const version = this.#ingress()?.metadata.resourceVersion as string | undefined;
    if (version === this.#appliedVersion) {
      return;
    }
    if (version !== this.#pendingVersion) {
      // A newer change: the lag counts from the latest write.
      this.#pendingVersion = version;
      this.#callsSinceChange = 0;
    }
    this.#callsSinceChange += 1;
    if (this.lag !== "never" && this.#callsSinceChange > this.lag) {
      this.#apply(Date.now(), { deleteUnnamed: true });
    }
  }

  /** One reconcile: target groups the rules name are made, the rules updated, groups no rule names deleted. */
  #apply(now: number, options: { readonly deleteUnnamed: boolean }): void {
    const ingress = this.#ingress();
    this.#appliedVersion = ingress?.metadata.resourceVersion as string | undefined;
    this.#callsSinceChange = 0;
    const rules = ingress === undefined ? [] : this.#rulesOf(ingress);
    const named = new Set(rules.flatMap((r) => r.targets.map((t) => t.resource)));
    for (const resource of named) {
      if (!this.#alb.targetGroups.some((t) => t.tags["ingress.k8s.aws/resource"] === resource)) {
        const [service = "", port = ""] = resource.slice(`${this.#stack()}-`.length).split(/:(?=[^:]*$)/);
        const group = serviceTargetGroup({
          namespace: this.#service.namespace,
          ingress: this.#service.ingress,
          service,
          port,
        });
        this.#alb.targetGroups.push(group);
        this.#groups.set(group.arn, { registeredAt: now + this.registrationDelayMs, inRuleSince: null });
      }
    }
    const arnOf = (resource: string): string =>
      this.#alb.targetGroups.find((t) => t.tags["ingress.k8s.aws/resource"] === resource)?.arn ?? resource;
    const listener = listenerArn(this.#alb, 80);
    this.#shown = rules.map((rule, index) => ({
      RuleArn: ruleArn(listener, index + 1),
      Priority: String(index + 1),
      IsDefault: false,
      Conditions: [{ Field: "path-pattern", Values: ["/*"] }, ...rule.conditions],
      Actions: [
        {
          Type: "forward",
          Order: 1,
          ForwardConfig: {
            TargetGroups: rule.targets.map((t) => ({ TargetGroupArn: arnOf(t.resource), Weight: t.weight })),
          },
        },
      ],
    }));
    for (const [arn, group] of this.#groups) {
      if (
        this.#shown.some((r) =>
          r.Actions?.[0]?.ForwardConfig?.TargetGroups?.some((t) => t.TargetGroupArn === arn),
        )
      ) {
        group.inRuleSince ??= now;
      }
    }
    // Deleted after the rules stopped naming them (PostSynthesize), only this Ingress's.
    this.#alb.targetGroups = this.#alb.targetGroups.filter((t) => {
      const resource = t.tags["ingress.k8s.aws/resource"] ?? "";
      const ours = resource.startsWith(`${this.#stack()}-`);
      if (options.deleteUnnamed && ours && !named.has(resource)) {
        this.#groups.delete(t.arn);
        return false;
      }
      return true;
    });
  }

  #targetHealth(arn: string): TargetHealthDescription[] {
    const group = this.#groups.get(arn);
    const found = this.#alb.targetGroups.find((t) => t.arn === arn);
    if (group === undefined || found === undefined) {
      throw new TargetGroupNotFoundException({ message: `Target groups '${arn}' not found`, $metadata: {} });
    }
    const now = Date.now();
    if (now < group.registeredAt) {
      return [];
    }
    const service =
      (found.tags["ingress.k8s.aws/resource"] ?? "").slice(`${this.#stack()}-`.length).split(":")[0] ?? "";
    const pods = this.#readyPods(service);
    const { intervalSeconds, healthyThresholdCount } = this.#healthCheck();
    const checkedFrom = group.inRuleSince === null ? null : Math.max(group.inRuleSince, group.registeredAt);
    const state =
      checkedFrom === null
        ? { State: "unused" as const, Reason: "Target.NotInUse" as const }
        : now >= checkedFrom + healthyThresholdCount * intervalSeconds * 1000
          ? { State: "healthy" as const }
          : { State: "initial" as const, Reason: "Elb.InitialHealthChecking" as const };
    return Array.from({ length: pods }, (_, i) => ({
      Target: { Id: `10.0.${Math.floor(i / 250)}.${(i % 250) + 1}`, Port: 8000 },
      HealthCheckPort: "8000",
      TargetHealth: state,
    }));
  }

  /** Ready pods of the units a Service selects: its unit's, or every unit's for the consolidated Service. */
  #readyPods(service: string): number {
    const units =
      this.#service.consolidatedService?.name === service
        ? this.#service.units
        : this.#service.units.filter((u) => u.service.name === service);
    return units.reduce((sum, unit) => {
      const status = this.#double.get("Deployment", this.#service.namespace, unit.deployment)?.status as
        | { readyReplicas?: number }
        | undefined;
      return sum + (status?.readyReplicas ?? 0);
    }, 0);
  }

  #healthCheck(): { intervalSeconds: number; healthyThresholdCount: number } {
    const annotations = (this.#ingress()?.metadata.annotations ?? {}) as Record<string, string>;
    const read = (key: string, fallback: number): number => {
      const value = Number(annotations[`alb.ingress.kubernetes.io/${key}`]);
      return Number.isFinite(value) && value > 0 ? value : fallback;
    };
    return {
      intervalSeconds: read("healthcheck-interval-seconds", LBC_HEALTH_CHECK_DEFAULTS.intervalSeconds),
      healthyThresholdCount: read("healthy-threshold-count", LBC_HEALTH_CHECK_DEFAULTS.healthyThresholdCount),
    };
  }

  /** The listener rules the Ingress makes, in backend order; an action that does not read as a forward makes none. */
  #rulesOf(ingress: KubeObject): RuleModel[] {
    const annotations = (ingress.metadata.annotations ?? {}) as Record<string, string>;
    return backendsOf(ingress).flatMap((backend): RuleModel[] => {
      if (backend.port !== USE_ANNOTATION) {
        return [
          {
            targets: [{ resource: this.#resource(backend.service, backend.port), weight: 1 }],
            conditions: [],
          },
        ];
      }
      let action: ReturnType<typeof parseForwardAction>;
      try {
        action = parseForwardAction(annotations[actionAnnotationKey(backend.service)] ?? "", "stand-in");
      } catch {
        return [];
      }
      const targets = action.forwardConfig.targetGroups.flatMap((group) =>
        group.serviceName === undefined || group.servicePort === undefined
          ? []
          : [{ resource: this.#resource(group.serviceName, group.servicePort), weight: group.weight ?? 1 }],
      );
      return [{ targets, conditions: conditionsOf(annotations[conditionsAnnotationKey(backend.service)]) }];
    });
  }

  #resource(service: string, port: number | string): string {
    return `${this.#stack()}-${service}:${String(normalizedPort(port))}`;
  }

  #stack(): string {
    return `${this.#service.namespace}/${this.#service.ingress}`;
  }

  #ingress(): KubeObject | undefined {
    return this.#double.get("Ingress", this.#service.namespace, this.#service.ingress);
  }
}

function backendsOf(ingress: KubeObject): Backend[] {
  const spec = (ingress.spec ?? {}) as {
    rules?: {
      http?: {
        paths?: { backend?: { service?: { name: string; port?: { name?: string; number?: number } } } }[];
      };
    }[];
    defaultBackend?: { service?: { name: string; port?: { name?: string; number?: number } } };
  };
  const services = [
    ...(spec.rules ?? []).flatMap((rule) => (rule.http?.paths ?? []).map((path) => path.backend?.service)),
    spec.defaultBackend?.service,
  ];
  return services.flatMap((service) => {
    const port = service?.port?.name ?? service?.port?.number;
    return service === undefined || port === undefined ? [] : [{ service: service.name, port }];
  });
}

/** The ALB conditions of a `conditions.<name>` annotation (source-ip and http-header are the ones a test writes). */
function conditionsOf(value: string | undefined): RuleCondition[] {
  if (value === undefined) {
    return [];
  }
  const parsed = JSON.parse(value) as {
    field: string;
    sourceIpConfig?: { values: string[] };
    httpHeaderConfig?: { httpHeaderName: string; values: string[] };
  }[];
  return parsed.map((c) => ({
    Field: c.field,
    ...(c.sourceIpConfig === undefined ? {} : { SourceIpConfig: { Values: c.sourceIpConfig.values } }),
    ...(c.httpHeaderConfig === undefined
      ? {}
      : {
          HttpHeaderConfig: {
            HttpHeaderName: c.httpHeaderConfig.httpHeaderName,
            Values: c.httpHeaderConfig.values,
          },
        }),
  }));
}
