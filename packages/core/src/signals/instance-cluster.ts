/**
 * Which EKS cluster an EC2 instance belongs to, read from its tags. A Spot interruption
 * warning names only the instance; an account can run several clusters, so a warning
 * counts for a unit only when its instance is this cluster's node.
 *
 * The tags each node provisioner puts on its instances:
 * - Karpenter (v1): `eks:eks-cluster-name: <cluster>`, `kubernetes.io/cluster/<cluster>: owned`,
 *   `karpenter.sh/nodepool: <pool>` (aws/karpenter-provider-aws `EKSClusterNameTagKey`;
 *   the instance provider lists its instances by `tag:eks:eks-cluster-name`).
 * - EKS managed node groups: `eks:cluster-name: <cluster>`, `eks:nodegroup-name: <group>`,
 *   `kubernetes.io/cluster/<cluster>: owned` (EKS User Guide, managed node groups).
 * - Self-managed nodes: `kubernetes.io/cluster/<cluster>: owned|shared`, which the EKS
 *   node CloudFormation templates and the legacy cloud provider require.
 */
type InstanceCluster =
  | { readonly kind: "this" }
  | { readonly kind: "other"; readonly clusters: readonly string[] }
  | { readonly kind: "untagged" };

const CLUSTER_TAG_PREFIX = "kubernetes.io/cluster/";
const CLUSTER_NAME_TAGS = ["eks:eks-cluster-name", "eks:cluster-name"] as const;

/** The clusters an instance's tags name. */
function clustersNamed(tags: Readonly<Record<string, string>>): Set<string> {
  const clusters = new Set<string>();
  for (const key of Object.keys(tags)) {
    if (key.startsWith(CLUSTER_TAG_PREFIX) && key.length > CLUSTER_TAG_PREFIX.length) {
      clusters.add(key.slice(CLUSTER_TAG_PREFIX.length));
    }
  }
  for (const key of CLUSTER_NAME_TAGS) {
    const value = tags[key];
    if (value !== undefined && value !== "") clusters.add(value);
  }
  return clusters;
}

/** Whether the instance with these tags is a node of `clusterName`, of another cluster, or untagged. */
export function instanceClusterOf(
  tags: Readonly<Record<string, string>>,
  clusterName: string,
): InstanceCluster {
  const clusters = clustersNamed(tags);
  if (clusters.has(clusterName)) return { kind: "this" };
  if (clusters.size === 0) return { kind: "untagged" };
  return { kind: "other", clusters: [...clusters].sort() };
}
