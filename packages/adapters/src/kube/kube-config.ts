import { KubeConfig } from "@kubernetes/client-node";

/** What EKS gives the Lambda: DescribeCluster's endpoint and CA, and a presigned-STS bearer token. */
export interface ClusterEndpoint {
  /** `https://<id>.gr7.<region>.eks.amazonaws.com` */
  readonly server: string;
  /** `certificateAuthority.data`: base64 of the CA's PEM, as kubeconfig's certificate-authority-data. */
  readonly caData: string;
  /** `k8s-aws-v1.<base64url presigned GetCallerIdentity>` */
  readonly token: string;
}

/**
 * A KubeConfig with one cluster, one token user and one context, built in memory
 * (no file, no kubectl). TLS is always verified against the cluster's CA.
 */
export function kubeConfigFor(endpoint: ClusterEndpoint): KubeConfig {
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: "eks", server: endpoint.server, caData: endpoint.caData, skipTLSVerify: false }],
    users: [{ name: "switchyard", token: endpoint.token }],
    contexts: [{ name: "switchyard", cluster: "eks", user: "switchyard" }],
    currentContext: "switchyard",
  });
  return config;
}
