import {
  DescribeTagsCommand,
  type ElasticLoadBalancingV2Client,
} from "@aws-sdk/client-elastic-load-balancing-v2";

/**
 * Tags the AWS Load Balancer Controller puts on what it builds
 * (aws-load-balancer-controller pkg/deploy/tracking/provider.go).
 */
export const LBC_TAGS = {
  /** `<cluster>`: the controller's --cluster-name. */
  cluster: "elbv2.k8s.aws/cluster",
  /** `<namespace>/<ingress>` for an implicit IngressGroup, the group name for an explicit one. */
  stack: "ingress.k8s.aws/stack",
  /** `LoadBalancer`; `<namespace>/<ingress>-<service>:<port>` on a target group; `<port>:<priority>` on a rule. */
  resource: "ingress.k8s.aws/resource",
} as const;

/** ELBv2 DescribeTags refuses more than 20 resource ARNs in one call. */
export const DESCRIBE_TAGS_MAX_ARNS = 20;

type TagsByArn = ReadonlyMap<string, ReadonlyMap<string, string>>;

export function batchesOf<T>(items: readonly T[], size: number): T[][] {
  const batches: T[][] = [];
  for (let at = 0; at < items.length; at += size) {
    batches.push(items.slice(at, at + size));
  }
  return batches;
}

/** Tags of each ARN, in as few DescribeTags calls as the 20-ARN limit allows. SDK errors propagate. */
export async function describeTags(
  client: ElasticLoadBalancingV2Client,
  arns: readonly string[],
): Promise<TagsByArn> {
  const tags = new Map<string, ReadonlyMap<string, string>>();
  for (const batch of batchesOf(arns, DESCRIBE_TAGS_MAX_ARNS)) {
    const output = await client.send(new DescribeTagsCommand({ ResourceArns: batch }));
    for (const description of output.TagDescriptions ?? []) {
      if (description.ResourceArn === undefined) {
        continue;
      }
      const pairs = (description.Tags ?? []).flatMap((tag) =>
        tag.Key === undefined ? [] : [[tag.Key, tag.Value ?? ""] as const],
      );
      tags.set(description.ResourceArn, new Map(pairs));
    }
  }
  return tags;
}
