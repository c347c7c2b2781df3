import type { Logger } from "@aws-lambda-powertools/logger";
import {
  type ElasticLoadBalancingV2Client,
  paginateDescribeLoadBalancers,
  paginateDescribeTargetGroups,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import type { EpochMs, InferenceService } from "@switchyard/core";
import { MINUTE } from "@switchyard/core";
import type { Clock, LoadBalancerLocator, LoadBalancerTargets } from "@switchyard/core/ports";
import { LoadBalancerNotFoundError } from "../errors.ts";
import { awsErrorName } from "./aws-fault.ts";
import { elbCall, elbPages } from "./elb-call.ts";
import { loadBalancerDimension, targetGroupDimension } from "./elb-dimensions.ts";
import { batchesOf, DESCRIBE_TAGS_MAX_ARNS, describeTags, LBC_TAGS } from "./elb-tags.ts";

interface ElbLoadBalancerLocatorOptions {
  /** Created once per container, at module scope. */
  readonly client: ElasticLoadBalancingV2Client;
  /** The Load Balancer Controller's --cluster-name (config `cluster.name`). */
  readonly clusterName: string;
  readonly clock: Clock;
  readonly logger?: Logger;
  /** How long a found ALB is trusted before the account's ALBs are listed again; default 5 min. */
  readonly cacheTtlMs?: number;
}

export interface LocateOptions {
  /** Kubernetes Service names whose target groups the caller needs; default: every unit's Service. */
  readonly require?: readonly string[];
  /** Read the ALB's target groups again even when the cache holds every required one. */
  readonly refresh?: boolean;
}

interface CachedLocation {
  readonly targets: LoadBalancerTargets;
  /** When the ALB was found by listing the account's load balancers; the TTL counts from here. */
  readonly foundAt: EpochMs;
}

const DEFAULT_CACHE_TTL_MS = 5 * MINUTE;

/**
 * Finds the ALB the AWS Load Balancer Controller made for a service's Ingress (an
 * implicit IngressGroup: stack tag `<namespace>/<ingress>`) and maps its target groups
 * to Kubernetes Services. The evaluate Lambda asks every minute, so a warm container
 * keeps what it found for the TTL instead of listing every ALB of the account again.
 */
export class ElbLoadBalancerLocator implements LoadBalancerLocator {
  static readonly iamActions = [
    "elasticloadbalancing:DescribeLoadBalancers",
    "elasticloadbalancing:DescribeTags",
    "elasticloadbalancing:DescribeTargetGroups",
  ] as const;

  readonly #client: ElasticLoadBalancingV2Client;
  readonly #clusterName: string;
  readonly #clock: Clock;
  readonly #logger: Logger | undefined;
  readonly #ttlMs: number;
  readonly #cache = new Map<string, CachedLocation>();

  constructor(options: ElbLoadBalancerLocatorOptions) {
    this.#client = options.client;
    this.#clusterName = options.clusterName;
    this.#clock = options.clock;
    this.#logger = options.logger?.createChild({ persistentKeys: { adapter: "ElbLoadBalancerLocator" } });
    this.#ttlMs = options.cacheTtlMs ?? DEFAULT_CACHE_TTL_MS;
  }

  async locate(service: InferenceService, options: LocateOptions = {}): Promise<LoadBalancerTargets> {
    const stack = stackOf(service);
    const cached = this.#cache.get(stack);
    if (cached === undefined || this.#clock.now() - cached.foundAt >= this.#ttlMs) {
      return this.#store(stack, await this.#findAll(service));
    }
    const required = options.require ?? service.units.map((unit) => unit.service.name);
    const missing = required.filter((name) => cached.targets.targetGroups[name] === undefined);
    if (missing.length === 0 && options.refresh !== true) {
      return cached.targets;
    }
    // A switch makes the controller create and delete target groups, so a Service
    // missing from the cache may exist now. Re-reading the known ALB's target groups
    // (two calls) is enough, and it happens once per call: a Service that is still
    // missing afterwards is reported missing, not chased.
    this.#logger?.debug("target groups refreshed", { stack, missing });
    return this.#store(stack, await this.#refreshTargetGroups(service, cached));
  }

  #store(stack: string, location: CachedLocation): LoadBalancerTargets {
    this.#cache.set(stack, location);
    return location.targets;
  }

  async #findAll(service: InferenceService): Promise<CachedLocation> {
    const loadBalancerArn = await this.#findLoadBalancer(service);
    const targets = {
      loadBalancerArn,
      loadBalancerDimension: loadBalancerDimension(loadBalancerArn),
      targetGroups: await this.#readTargetGroups(service, loadBalancerArn),
    };
    this.#logger?.info("load balancer located", {
      stack: stackOf(service),
      loadBalancer: targets.loadBalancerDimension,
      services: Object.keys(targets.targetGroups),
    });
    return { targets, foundAt: this.#clock.now() };
  }

  async #refreshTargetGroups(service: InferenceService, cached: CachedLocation): Promise<CachedLocation> {
    const { loadBalancerArn } = cached.targets;
    try {
      const targetGroups = await this.#readTargetGroups(service, loadBalancerArn);
      return { targets: { ...cached.targets, targetGroups }, foundAt: cached.foundAt };
    } catch (error) {
      // The Ingress was deleted and made again: its ALB is new, so look for it afresh.
      if (error instanceof Error && awsErrorName(error.cause) === "LoadBalancerNotFoundException") {
        this.#cache.delete(stackOf(service));
        return this.#findAll(service);
      }
      throw error;
    }
  }

  /** Lists the account's ALBs page by page and tags them 20 at a time, stopping at the first match. */
  async #findLoadBalancer(service: InferenceService): Promise<string> {
    const stack = stackOf(service);
    const purpose = `while looking for the ALB of Ingress ${stack}`;
    let searched = 0;
    for await (const page of elbPages(
      "DescribeLoadBalancers",
      purpose,
      paginateDescribeLoadBalancers({ client: this.#client }, {}),
    )) {
      const arns = (page.LoadBalancers ?? []).flatMap((lb) =>
        lb.LoadBalancerArn !== undefined && (lb.Type === undefined || lb.Type === "application")
          ? [lb.LoadBalancerArn]
          : [],
      );
      searched += arns.length;
      for (const batch of batchesOf(arns, DESCRIBE_TAGS_MAX_ARNS)) {
        const tags = await elbCall("DescribeTags", purpose, () => describeTags(this.#client, batch));
        const match = batch.find((arn) => {
          const own = tags.get(arn);
          return own?.get(LBC_TAGS.cluster) === this.#clusterName && own.get(LBC_TAGS.stack) === stack;
        });
        if (match !== undefined) {
          return match;
        }
      }
    }

    throw new LoadBalancerNotFoundError(
      `No ALB is tagged ${LBC_TAGS.cluster}=${this.#clusterName} and ${LBC_TAGS.stack}=${stack} ` +
        `(searched ${searched} application load balancers in the ELBv2 client's account and region). ` +
        `Check that the AWS Load Balancer Controller has reconciled Ingress ${stack} ` +
        `(kubectl describe ingress ${service.ingress} -n ${service.namespace}: an address and a SuccessfullyReconciled event), ` +
        `that cluster.name in the config (${this.#clusterName}) is the controller's --cluster-name, ` +
        `that the config's region is the cluster's, and that the Ingress has no ` +
        `alb.ingress.kubernetes.io/group.name (an explicit IngressGroup is tagged with the group name).`,
    );
  }

  /**
   * Maps each of the ALB's target groups to its Service through the controller's
   * resource tag `<namespace>/<ingress>-<service>:<port>`. Target groups without it
   * (made outside Kubernetes) are left out.
   */
  async #readTargetGroups(
    service: InferenceService,
    loadBalancerArn: string,
  ): Promise<LoadBalancerTargets["targetGroups"]> {
    const stack = stackOf(service);
    const purpose = `while reading the target groups of the ALB of Ingress ${stack}`;
    const arns: string[] = [];
    for await (const page of elbPages(
      "DescribeTargetGroups",
      purpose,
      paginateDescribeTargetGroups({ client: this.#client }, { LoadBalancerArn: loadBalancerArn }),
    )) {
      arns.push(...(page.TargetGroups ?? []).flatMap((tg) => tg.TargetGroupArn ?? []));
    }

    const tags = await elbCall("DescribeTags", purpose, () => describeTags(this.#client, arns));
    const configuredPorts = new Map<string, string>(
      [
        ...service.units.map((unit) => unit.service),
        ...(service.consolidatedService ? [service.consolidatedService] : []),
      ].map((ref) => [ref.name, String(ref.port)]),
    );
    const prefix = `${stack}-`;
    const found = new Map<string, { arn: string; port: string }>();
    for (const arn of arns) {
      const resource = tags.get(arn)?.get(LBC_TAGS.resource);
      if (resource === undefined || !resource.startsWith(prefix)) {
        continue;
      }
      const backend = resource.slice(prefix.length);
      const colon = backend.lastIndexOf(":");
      if (colon <= 0) {
        continue;
      }
      const name = backend.slice(0, colon);
      const port = backend.slice(colon + 1);
      const earlier = found.get(name);
      // One Service behind two ports makes two target groups; the config's port wins.
      if (
        earlier === undefined ||
        (earlier.port !== configuredPorts.get(name) && port === configuredPorts.get(name))
      ) {
        found.set(name, { arn, port });
      }
    }
    return Object.fromEntries(
      [...found].map(([name, { arn }]) => [name, { arn, dimension: targetGroupDimension(arn) }]),
    );
  }
}

function stackOf(service: InferenceService): string {
  return `${service.namespace}/${service.ingress}`;
}
