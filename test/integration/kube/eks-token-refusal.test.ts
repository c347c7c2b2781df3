import { Logger } from "@aws-lambda-powertools/logger";
import { DescribeClusterCommand, EKSClient } from "@aws-sdk/client-eks";
import type { ApiException } from "@kubernetes/client-node";
import {
  ClusterAccessError,
  EksClusterAccess,
  eksKubeConfig,
  KubernetesClusterGateway,
} from "@switchyard/adapters";
import type { Clock } from "@switchyard/core/ports";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { acceptsEksToken, accessKeyOfEksToken, eksTokenExpiredAt } from "../../support/eks-authenticator.ts";
import { KubeApiDouble } from "../../support/kube-api-double.ts";
import { seedSd21 } from "../../support/kube-objects.ts";
import { describeClusterFor } from "../../support/lambda-env.ts";
import { readRepoFile } from "../../support/paths.ts";
import { sd21Service } from "../../support/sd21.ts";

const NS = "default";
const silent = () => new Logger({ serviceName: "switchyard-test", logLevel: "SILENT" });

/**
 * The function role's credentials as the Lambda runtime hands them out: temporary, and
 * replaced by a new session. EKS (aws-iam-authenticator, pkg/token/token.go `Verify`)
 * sends the token's presigned GetCallerIdentity to STS; STS refuses a URL signed with a
 * session that has ended (ExpiredToken), and the API server answers 401 Unauthorized,
 * however young the token is.
 */
class RoleSessions {
  readonly ended = new Set<string>();
  /** How many times a token was signed (the signer asks for credentials once per token). */
  signings = 0;
  #session = 1;

  credentials = async () => {
    this.signings += 1;
    return {
      accessKeyId: `ASIASESSION${this.#session}`,
      secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
      sessionToken: `IQoJb3JpZ2luX2VjSESSION${this.#session}`,
    };
  };

  /** The current session ends (STS refuses it from now on) and the runtime has a new one. */
  endSession(): void {
    this.ended.add(`ASIASESSION${this.#session}`);
    this.#session += 1;
  }
}

describe("Class: KubernetesClusterGateway over EKS access, when the API server refuses the token", () => {
  const eks = mockClient(EKSClient);
  const service = sd21Service();
  let double: KubeApiDouble;
  let sessions: RoleSessions;
  let tokensSeen: Set<string>;
  let hasAccessEntry: boolean;
  /** How far the API server's clock runs ahead of the real one (the function signs with the real one). */
  let serverAheadMs: number;
  let now: number;
  let gateway: KubernetesClusterGateway;

  beforeEach(async () => {
    sessions = new RoleSessions();
    tokensSeen = new Set();
    hasAccessEntry = true;
    serverAheadMs = 0;
    double = new KubeApiDouble({
      authenticate: (token) => {
        tokensSeen.add(token);
        const key = accessKeyOfEksToken(token);
        return (
          hasAccessEntry &&
          acceptsEksToken(token) &&
          !eksTokenExpiredAt(token, Date.now() + serverAheadMs) &&
          key !== undefined &&
          !sessions.ended.has(key)
        );
      },
      clock: () => Date.now() + serverAheadMs,
      tls: {
        key: readRepoFile("test/fixtures/tls/server.key"),
        cert: readRepoFile("test/fixtures/tls/server.pem"),
      },
    });
    await double.start();
    seedSd21(double);
    eks.on(DescribeClusterCommand).resolves(describeClusterFor(double));
    now = Date.now();
    const clock: Clock = { now: () => now };
    const access = new EksClusterAccess({
      client: new EKSClient({ region: "us-west-2" }),
      clusterName: "hw-agnostic-infer",
      region: "us-west-2",
      credentials: sessions.credentials,
      clock,
    });
    gateway = new KubernetesClusterGateway({ kubeConfig: eksKubeConfig(access), logger: silent() });
  });

  afterEach(async () => {
    eks.reset();
    await double.stop();
  });

  it("signs a new token once and sends the refused requests again, well before the 14-minute renewal", async () => {
    // Prepare: a token in use, then its signing session ends five minutes later.
    const before = await gateway.readService(service);
    sessions.endSession();
    now += 5 * 60_000;
    double.clearRequests();
    sessions.signings = 0;

    // Act: the Ingress, each unit's Deployment and the Pending pods in parallel, all refused with the cached token.
    const after = await gateway.readService(service);

    // Assess
    expect(after).toEqual(before);
    const parallel = 2 + service.units.length;
    expect(double.requests.map((r) => r.status).sort()).toEqual([
      ...Array.from({ length: parallel }, () => 200),
      ...Array.from({ length: parallel }, () => 401),
    ]);
    // Every request refused, one new token.
    expect(sessions.signings).toBe(1);
    expect(tokensSeen.size).toBe(2);
  });

  it("lands a patch the API server refused, with the new token", async () => {
    // Prepare: the session ends between the read and the patch.
    double.beforeNext({ verb: "get", resource: "scaledobjects", name: "sd21-inf2" }, () =>
      sessions.endSession(),
    );

    // Act
    const change = await gateway.setScalingTarget(service, "sd21-inf2", () => "61");

    // Assess
    expect(change.changed).toBe(true);
    const spec = double.get("ScaledObject", NS, "sd21-inf2")?.spec as {
      triggers: { metadata: Record<string, unknown> }[];
    };
    expect(spec.triggers[0]?.metadata.targetMetricValue).toBe("61");
    expect(double.requestsMatching({ verb: "patch" }).map((r) => r.status)).toEqual([401, 200]);
  });

  it("gives up after one new token when that is refused too, saying what to check", async () => {
    // Prepare: the role has no access entry, so no token authenticates.
    hasAccessEntry = false;

    // Act
    const error = await gateway.readScaledObjects(service).catch((e: unknown) => e as Error);

    // Assess
    expect(error).toBeInstanceOf(ClusterAccessError);
    expect(error.message).toBe(
      'the API server refused Switchyard\'s credentials to list scaledobjects.keda.sh in namespace "default" ' +
        "(401), a newly signed EKS token too: the function's role has no EKS access entry on the cluster " +
        "(or it was just created and has not propagated); check `aws eks list-access-entries`",
    );
    expect((error.cause as ApiException<unknown>).code).toBe(401);
    // One retry, not a loop.
    expect(double.requests.map((r) => r.status)).toEqual([401, 401]);
  });

  it("names the clock skew, not the access entry, when the API server's clock is far ahead of the function's", async () => {
    // Prepare: the server's clock runs 20 minutes ahead: every token is 15 minutes past its X-Amz-Date there.
    serverAheadMs = 20 * 60_000;

    // Act
    const error = await gateway.readScaledObjects(service).catch((e: unknown) => e as Error);

    // Assess
    expect(error).toBeInstanceOf(ClusterAccessError);
    expect(error.message).toMatch(
      /a newly signed EKS token too, and its clock is 20 minutes ahead of this function's \(Date: .+ GMT\): an EKS token lives 15 minutes/,
    );
    expect(error.message).toContain("fix the clock");
    expect(error.message).not.toContain("access-entries");
    expect(double.requests.map((r) => r.status)).toEqual([401, 401]);
  });
});
