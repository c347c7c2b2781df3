import { KubeConfig } from "@kubernetes/client-node";

/** What EKS gives the Lambda: DescribeCluster's endpoint and CA, and a presigned-STS bearer token. */
interface ClusterEndpoint {
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

/** Where the gateway gets its KubeConfig: `refused` is one whose token the API server answered 401. */
export type KubeConfigSource = (refused?: KubeConfig) => Promise<KubeConfig>;

/**
 * The KubeConfig source over EKS access (EksClusterAccess): a refused config's token is
 * handed back so that a new one is signed instead of reusing it until its renewal.
 */
export function eksKubeConfig(access: {
  connection(options?: { readonly refusedToken?: string }): Promise<ClusterEndpoint>;
}): KubeConfigSource {
  return async (refused) => {
    const refusedToken = refused?.getCurrentUser()?.token;
    return kubeConfigFor(await access.connection(refusedToken === undefined ? {} : { refusedToken }));
  };
}
