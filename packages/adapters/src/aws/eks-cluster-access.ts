import type { Logger } from "@aws-lambda-powertools/logger";
import { type Cluster, DescribeClusterCommand, type EKSClient } from "@aws-sdk/client-eks";
import type { EpochMs } from "@switchyard/core";
import { MINUTE } from "@switchyard/core";
import type { Clock } from "@switchyard/core/ports";
import { ClusterAccessError } from "../errors.ts";
import { awsErrorName, describeAwsError, isTransientAwsError } from "./aws-fault.ts";
import { type CredentialsSource, eksBearerToken } from "./eks-token.ts";

/** What a Kubernetes client needs to reach the cluster's API server. */
interface ClusterConnection {
  /** `cluster.endpoint`: the API server's https URL. */
  readonly server: string;
  /** `cluster.certificateAuthority.data`: the base64 PEM of the cluster's CA. */
  readonly caData: string;
  /** The bearer token; never log it. */
  readonly token: string;
}

interface EksClusterAccessOptions {
  /** Created once per container, at module scope. */
  readonly client: EKSClient;
  readonly clusterName: string;
  readonly region: string;
  /** Signs the token; in Lambda, the function role's credentials (e.g. fromNodeProviderChain()). */
  readonly credentials: CredentialsSource;
  readonly clock: Clock;
  readonly logger?: Logger;
}

/** Tokens die 15 minutes after X-Amz-Date; one a minute older than this is not handed out. */
const TOKEN_RENEW_AFTER_MS = 14 * MINUTE;

interface Endpoint {
  readonly server: string;
  readonly caData: string;
}

/**
 * Reaches an EKS API server from Lambda without kubectl: the endpoint and CA from
 * DescribeCluster, read once per container (they change only when the cluster is
 * replaced), and a presigned-STS bearer token, signed again before it expires.
 */
export class EksClusterAccess {
  /**
   * The token is a presigned sts:GetCallerIdentity URL, which needs no IAM permission
   * (GetCallerIdentity is always allowed); what the API server checks is the role's
   * EKS access entry and the Kubernetes RBAC of its groups, which infra grants.
   */
  static readonly iamActions = ["eks:DescribeCluster"] as const;

  readonly #client: EKSClient;
  readonly #clusterName: string;
  readonly #region: string;
  readonly #credentials: CredentialsSource;
  readonly #clock: Clock;
  readonly #logger: Logger | undefined;
  #endpoint: Promise<Endpoint> | undefined;
  #token: { readonly value: Promise<string>; readonly signedAt: EpochMs } | undefined;

  constructor(options: EksClusterAccessOptions) {
    this.#client = options.client;
    this.#clusterName = options.clusterName;
    this.#region = options.region;
    this.#credentials = options.credentials;
    this.#clock = options.clock;
    this.#logger = options.logger?.createChild({
      persistentKeys: { adapter: "EksClusterAccess", cluster: options.clusterName },
    });
  }

  /**
   * The endpoint, CA and a token. `refusedToken`: the API server answered 401 to this
   * token (its credentials' session ended, the access entry changed), so it is not handed
   * out again: a new one is signed once, however many requests were refused with it.
   */
  async connection(options: { readonly refusedToken?: string } = {}): Promise<ClusterConnection> {
    if (options.refusedToken !== undefined) {
      await this.#forget(options.refusedToken);
    }
    const [endpoint, token] = await Promise.all([this.#readEndpoint(), this.#currentToken()]);
    return { server: endpoint.server, caData: endpoint.caData, token };
  }

  async #forget(refused: string): Promise<void> {
    const entry = this.#token;
    if (entry === undefined) {
      return;
    }
    const value = await entry.value.catch(() => undefined);
    // Another refused request may have renewed it meanwhile: only the refused token goes.
    if (this.#token === entry && value === refused) {
      this.#token = undefined;
      this.#logger?.info("token refused by the API server, signing a new one");
    }
  }

  #readEndpoint(): Promise<Endpoint> {
    if (this.#endpoint === undefined) {
      const pending = this.#describeCluster();
      this.#endpoint = pending;
      // A failed read is not kept: the next invocation of this container tries again.
      pending.catch(() => {
        if (this.#endpoint === pending) {
          this.#endpoint = undefined;
        }
      });
    }
    return this.#endpoint;
  }

  async #describeCluster(): Promise<Endpoint> {
    let cluster: Cluster | undefined;
    try {
      cluster = await this.#sendDescribe();
    } catch (error) {
      throw this.#describeError(error);
    }
    const server = cluster?.endpoint;
    const caData = cluster?.certificateAuthority?.data;
    if (server === undefined || caData === undefined) {
      const status = cluster?.status ?? "unknown";
      throw new ClusterAccessError(
        `EKS cluster ${this.#clusterName} in ${this.#region} has no API endpoint or CA yet (status ${status}); ` +
          "wait until it is ACTIVE.",
        { retryable: status === "CREATING" || status === "UPDATING" },
      );
    }
    this.#logger?.info("cluster endpoint read", { server });
    return { server, caData };
  }

  async #sendDescribe(): Promise<Cluster | undefined> {
    const output = await this.#client.send(new DescribeClusterCommand({ name: this.#clusterName }));
    return output.cluster;
  }

  #describeError(error: unknown): ClusterAccessError {
    const name = awsErrorName(error);
    const where = `EKS DescribeCluster of ${this.#clusterName} in ${this.#region} failed: ${describeAwsError(error)}.`;
    if (name === "ResourceNotFoundException") {
      return new ClusterAccessError(
        `${where} Check cluster.name and cluster.region in the config against \`aws eks list-clusters --region ${this.#region}\`.`,
        { retryable: false, cause: error },
      );
    }
    if (/AccessDenied/.test(name)) {
      return new ClusterAccessError(
        `${where} Check that the function's role allows eks:DescribeCluster on cluster ${this.#clusterName}.`,
        { retryable: false, cause: error },
      );
    }
    return new ClusterAccessError(where, { retryable: isTransientAwsError(error), cause: error });
  }

  #currentToken(): Promise<string> {
    const now = this.#clock.now();
    if (this.#token !== undefined && now - this.#token.signedAt < TOKEN_RENEW_AFTER_MS) {
      return this.#token.value;
    }
    const value = this.#signToken(now);
    const entry = { value, signedAt: now };
    this.#token = entry;
    value.catch(() => {
      if (this.#token === entry) {
        this.#token = undefined;
      }
    });
    return value;
  }

  async #signToken(signedAt: EpochMs): Promise<string> {
    try {
      const token = await eksBearerToken({
        clusterName: this.#clusterName,
        region: this.#region,
        credentials: this.#credentials,
        signingDate: new Date(signedAt),
      });
      this.#logger?.debug("token signed", { signedAt: new Date(signedAt).toISOString() });
      return token;
    } catch (error) {
      throw new ClusterAccessError(
        `Could not sign the EKS token for ${this.#clusterName}: ${describeAwsError(error)}. ` +
          "Check that the function has AWS credentials (its execution role) in this environment.",
        { retryable: isTransientAwsError(error), cause: error },
      );
    }
  }
}
