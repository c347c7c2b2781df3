import type { SwitchyardConfig } from "@switchyard/core";
import { kubernetesGroupsOf } from "@switchyard/core/manifests";
import type { HandlerName } from "../scripts/handlers.ts";
import { componentName } from "./component-name.ts";

const ACCESS_ENTRY_MODES = ["API", "API_AND_CONFIG_MAP"];

/**
 * The configured cluster's ARN, which scopes eks:DescribeCluster. Reading it also checks
 * the cluster exists in the config's region and accepts access entries, so a cluster
 * that only reads aws-auth fails the deploy with the fix instead of every call with 401.
 */
export function clusterArn(config: SwitchyardConfig): $util.Output<string> {
  const { name, region } = config.cluster;
  return aws.eks.getClusterOutput({ name }).apply((cluster) => {
    const mode = cluster.accessConfigs[0]?.authenticationMode ?? "CONFIG_MAP";
    if (!ACCESS_ENTRY_MODES.includes(mode)) {
      throw new Error(
        `EKS cluster ${name} in ${region} has authenticationMode ${mode}; Switchyard's functions reach it through access entries, which need API or API_AND_CONFIG_MAP: aws eks update-cluster-config --name ${name} --region ${region} --access-config authenticationMode=API_AND_CONFIG_MAP`,
      );
    }
    return cluster.arn;
  });
}

/**
 * One access entry per function role, in the Kubernetes groups deploy/rbac.yaml binds: the
 * readers' group for every function, the writers' too for the steps that patch (core's
 * CLUSTER_ACCESS), the floor group for evaluate while a forecast floor acts. No EKS access policy is associated: the managed ones have no keda.sh
 * rules and grant far more than the functions use.
 */
export function grantClusterAccess(
  config: SwitchyardConfig,
  functions: Readonly<Record<HandlerName, sst.aws.Function>>,
): aws.eks.AccessEntry[] {
  return (Object.entries(functions) as [HandlerName, sst.aws.Function][]).map(
    ([name, fn]) =>
      new aws.eks.AccessEntry(`${componentName(name)}ClusterAccess`, {
        clusterName: config.cluster.name,
        principalArn: fn.nodes.role.arn,
        type: "STANDARD",
        kubernetesGroups: kubernetesGroupsOf(name),
      }),
  );
}
