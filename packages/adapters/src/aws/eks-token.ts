import { Sha256 } from "@aws-crypto/sha256-js";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4, type SignatureV4Init } from "@smithy/signature-v4";

export type CredentialsSource = SignatureV4Init["credentials"];

interface EksTokenRequest {
  readonly clusterName: string;
  readonly region: string;
  readonly credentials: CredentialsSource;
  /** X-Amz-Date of the presigned URL; the token dies 15 minutes after it. */
  readonly signingDate: Date;
}

export const EKS_TOKEN_PREFIX = "k8s-aws-v1.";

/**
 * The header that binds a token to one cluster: aws-iam-authenticator refuses a token
 * whose X-Amz-SignedHeaders lacks it (pkg/token/token.go). It is not an `x-amz-`
 * header, so SignatureV4.presign leaves it a header and signs it.
 */
const CLUSTER_ID_HEADER = "x-k8s-aws-id";

/**
 * The bearer token EKS accepts without kubectl or the aws CLI: `k8s-aws-v1.` and the
 * unpadded base64url of a presigned STS GetCallerIdentity URL. The API server calls
 * that URL to learn who we are and maps the role through its access entries.
 * `X-Amz-Expires` is 60 as the reference client sends it; the server ignores it and
 * lets the token live 15 minutes from X-Amz-Date.
 */
export async function eksBearerToken(request: EksTokenRequest): Promise<string> {
  const hostname = stsHostname(request.region);
  const signer = new SignatureV4({
    service: "sts",
    region: request.region,
    credentials: request.credentials,
    sha256: Sha256,
  });
  const presigned = await signer.presign(
    new HttpRequest({
      method: "GET",
      protocol: "https:",
      hostname,
      path: "/",
      query: { Action: "GetCallerIdentity", Version: "2011-06-15" },
      headers: { host: hostname, [CLUSTER_ID_HEADER]: request.clusterName },
    }),
    { expiresIn: 60, signingDate: request.signingDate },
  );
  const query = Object.entries(presigned.query ?? {})
    .flatMap(([key, value]) =>
      Array.isArray(value) ? value.map((v) => [key, v] as const) : [[key, value] as const],
    )
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value ?? "")}`)
    .join("&");
  const url = `https://${hostname}/?${query}`;
  return `${EKS_TOKEN_PREFIX}${Buffer.from(url, "utf8").toString("base64url")}`;
}

/** The regional STS endpoint; the authenticator accepts regional hosts, and China's are under amazonaws.com.cn. */
function stsHostname(region: string): string {
  return region.startsWith("cn-") ? `sts.${region}.amazonaws.com.cn` : `sts.${region}.amazonaws.com`;
}
