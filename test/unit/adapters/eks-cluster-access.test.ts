import { Logger } from "@aws-lambda-powertools/logger";
import {
  AccessDeniedException,
  DescribeClusterCommand,
  EKSClient,
  ResourceNotFoundException,
  ThrottlingException,
} from "@aws-sdk/client-eks";
import { ClusterAccessError, EksClusterAccess } from "@switchyard/adapters";
import type { Clock } from "@switchyard/core/ports";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it, vi } from "vitest";
import { EKS_TOKEN_PREFIX } from "../../../packages/adapters/src/aws/eks-token.ts";
import "../../support/aws-sdk-matchers.ts";

const CLUSTER = "hw-agnostic-infer";
const REGION = "us-west-2";
const T0 = Date.parse("2025-06-01T10:00:00Z");
const ENDPOINT = "https://0123456789ABCDEF0123456789ABCDEF.gr7.us-west-2.eks.amazonaws.com";
const CA_DATA = Buffer.from("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n").toString(
  "base64",
);
const CREDENTIALS = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
  sessionToken: "IQoJb3JpZ2luX2VjEXAMPLE",
};

function clockAt(start: number): Clock & { advance(ms: number): void } {
  let now = start;
  return {
    now: () => now,
    advance: (ms) => {
      now += ms;
    },
  };
}

/** The presigned URL inside a token. */
function urlOf(token: string): URL {
  return new URL(Buffer.from(token.slice(EKS_TOKEN_PREFIX.length), "base64url").toString("utf8"));
}

describe("Class: EksClusterAccess", () => {
  const eks = mockClient(EKSClient);
  const client = new EKSClient({ region: REGION });
  const activeCluster = () =>
    eks.on(DescribeClusterCommand).resolves({
      cluster: {
        name: CLUSTER,
        status: "ACTIVE",
        endpoint: ENDPOINT,
        certificateAuthority: { data: CA_DATA },
      },
    });
  const access = (
    clock: Clock,
    options: { clusterName?: string; credentials?: () => Promise<typeof CREDENTIALS> } = {},
  ) =>
    new EksClusterAccess({
      client,
      clusterName: options.clusterName ?? CLUSTER,
      region: REGION,
      credentials: options.credentials ?? (async () => CREDENTIALS),
      clock,
    });

  afterEach(() => {
    eks.reset();
    vi.restoreAllMocks();
  });

  it("reads the endpoint and CA with one DescribeCluster per container", async () => {
    // Prepare
    activeCluster();
    const clock = clockAt(T0);
    const cluster = access(clock);

    // Act
    const first = await cluster.connection();
    clock.advance(20 * 60_000);
    const second = await cluster.connection();

    // Assess
    expect(first).toMatchObject({ server: ENDPOINT, caData: CA_DATA });
    expect(second).toMatchObject({ server: ENDPOINT, caData: CA_DATA });
    expect(eks).toHaveReceivedCommandExactlyOnceWith(DescribeClusterCommand, { name: CLUSTER });
  });

  it("gives a k8s-aws-v1 token: unpadded base64url of a presigned STS GetCallerIdentity URL", async () => {
    // Prepare
    activeCluster();

    // Act
    const { token } = await access(clockAt(T0)).connection();

    // Assess
    expect(token.startsWith("k8s-aws-v1.")).toBe(true);
    expect(token.slice(EKS_TOKEN_PREFIX.length)).toMatch(/^[A-Za-z0-9_-]+$/);
    const url = urlOf(token);
    expect(`${url.origin}${url.pathname}`).toBe("https://sts.us-west-2.amazonaws.com/");
    const query = url.searchParams;
    expect(query.get("Action")).toBe("GetCallerIdentity");
    expect(query.get("Version")).toBe("2011-06-15");
    expect(query.get("X-Amz-Expires")).toBe("60");
    expect(query.get("X-Amz-Algorithm")).toBe("AWS4-HMAC-SHA256");
    expect(query.get("X-Amz-Date")).toBe("20250601T100000Z");
    expect(query.get("X-Amz-Credential")).toBe("AKIDEXAMPLE/20250601/us-west-2/sts/aws4_request");
    expect(query.get("X-Amz-Security-Token")).toBe(CREDENTIALS.sessionToken);
    expect(query.get("X-Amz-SignedHeaders")?.split(";")).toContain("x-k8s-aws-id");
    expect(query.get("X-Amz-Signature")).toMatch(/^[0-9a-f]{64}$/);
    expect(token.length).toBeLessThanOrEqual(4096);
  });

  it("binds the token to the cluster: another cluster's signature differs and nothing else does", async () => {
    // Prepare
    activeCluster();

    // Act
    const ours = urlOf((await access(clockAt(T0)).connection()).token);
    const theirs = urlOf((await access(clockAt(T0), { clusterName: "other" }).connection()).token);

    // Assess
    expect(ours.searchParams.get("X-Amz-Signature")).not.toBe(theirs.searchParams.get("X-Amz-Signature"));
    ours.searchParams.delete("X-Amz-Signature");
    theirs.searchParams.delete("X-Amz-Signature");
    expect(ours.toString()).toBe(theirs.toString());
  });

  it("hands out the same token until it is 14 minutes old, then signs a new one", async () => {
    // Prepare
    activeCluster();
    const clock = clockAt(T0);
    const credentials = vi.fn(async () => CREDENTIALS);
    const cluster = access(clock, { credentials });
    const first = (await cluster.connection()).token;

    // Act
    clock.advance(14 * 60_000 - 1);
    const beforeRenewal = (await cluster.connection()).token;
    clock.advance(1);
    const renewed = (await cluster.connection()).token;

    // Assess
    expect(beforeRenewal).toBe(first);
    expect(renewed).not.toBe(first);
    expect(urlOf(renewed).searchParams.get("X-Amz-Date")).toBe("20250601T101400Z");
    expect(credentials).toHaveBeenCalledTimes(2);
  });

  it("raises a non-retryable ClusterAccessError naming the config when the cluster does not exist", async () => {
    // Prepare
    eks.on(DescribeClusterCommand).rejects(
      new ResourceNotFoundException({
        message: "No cluster found for name: hw-agnostic-infer.",
        $metadata: {},
      }),
    );

    // Act
    const error = await access(clockAt(T0))
      .connection()
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ClusterAccessError);
    expect(error).toMatchObject({ retryable: false, code: "CLUSTER_ACCESS_FAILED" });
    expect((error as Error).message).toMatch(/DescribeCluster of hw-agnostic-infer in us-west-2 failed/);
    expect((error as Error).message).toMatch(/cluster\.name and cluster\.region in the config/);
  });

  it("raises a non-retryable ClusterAccessError naming eks:DescribeCluster when refused", async () => {
    // Prepare
    eks.on(DescribeClusterCommand).rejects(
      new AccessDeniedException({
        message: "not authorized to perform: eks:DescribeCluster",
        $metadata: {},
      }),
    );

    // Act
    const error = await access(clockAt(T0))
      .connection()
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ClusterAccessError);
    expect(error).toMatchObject({ retryable: false });
    expect((error as Error).message).toMatch(/role allows eks:DescribeCluster/);
  });

  it("raises a retryable ClusterAccessError when throttled, and asks again on the next call", async () => {
    // Prepare
    eks
      .on(DescribeClusterCommand)
      .rejectsOnce(new ThrottlingException({ message: "Rate exceeded", $metadata: { httpStatusCode: 429 } }))
      .resolves({
        cluster: {
          name: CLUSTER,
          status: "ACTIVE",
          endpoint: ENDPOINT,
          certificateAuthority: { data: CA_DATA },
        },
      });
    const cluster = access(clockAt(T0));

    // Act
    const error = await cluster.connection().catch((e: unknown) => e);
    const retried = await cluster.connection();

    // Assess
    expect(error).toBeInstanceOf(ClusterAccessError);
    expect(error).toMatchObject({ retryable: true });
    expect(retried.server).toBe(ENDPOINT);
    expect(eks).toHaveReceivedCommandTimes(DescribeClusterCommand, 2);
  });

  it("raises a ClusterAccessError when the cluster has no endpoint yet", async () => {
    // Prepare
    eks.on(DescribeClusterCommand).resolves({ cluster: { name: CLUSTER, status: "CREATING" } });

    // Act
    const error = await access(clockAt(T0))
      .connection()
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ClusterAccessError);
    expect(error).toMatchObject({ retryable: true });
    expect((error as Error).message).toMatch(/status CREATING/);
  });

  it("raises a ClusterAccessError when there are no credentials to sign with", async () => {
    // Prepare
    activeCluster();
    const missing = Object.assign(new Error("Could not load credentials from any providers"), {
      name: "CredentialsProviderError",
    });

    // Act
    const error = await access(clockAt(T0), {
      credentials: async () => {
        throw missing;
      },
    })
      .connection()
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ClusterAccessError);
    expect(error).toMatchObject({ retryable: false, cause: missing });
    expect((error as Error).message).toMatch(/Could not sign the EKS token for hw-agnostic-infer/);
  });

  it("never writes the token to its logs", async () => {
    // Prepare
    activeCluster();
    const written: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    const logger = new Logger({ serviceName: "switchyard-test", logLevel: "DEBUG" });
    const cluster = new EksClusterAccess({
      client,
      clusterName: CLUSTER,
      region: REGION,
      credentials: async () => CREDENTIALS,
      clock: clockAt(T0),
      logger,
    });

    // Act
    const { token } = await cluster.connection();

    // Assess
    const logs = written.join("");
    expect(logs).toContain("cluster endpoint read");
    expect(logs).not.toContain(token.slice(EKS_TOKEN_PREFIX.length, EKS_TOKEN_PREFIX.length + 40));
    expect(logs).not.toContain("X-Amz-Signature");
  });

  it("declares the one IAM action it needs", () => {
    expect(EksClusterAccess.iamActions).toEqual(["eks:DescribeCluster"]);
  });
});
