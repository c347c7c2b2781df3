/**
 * What the EKS API server (aws-iam-authenticator, pkg/token/token.go) checks of a bearer
 * token before it asks STS: the prefix, a presigned GetCallerIdentity URL on an STS host
 * with path "/", an expiry of at most 900 s, and x-k8s-aws-id among the signed headers.
 * The API double authenticates with it, so a malformed token fails as it would on EKS.
 */
export function acceptsEksToken(token: string): boolean {
  const prefix = "k8s-aws-v1.";
  if (!token.startsWith(prefix) || token.length > 4096) {
    return false;
  }
  let url: URL;
  try {
    url = new URL(Buffer.from(token.slice(prefix.length), "base64url").toString("utf8"));
  } catch {
    return false;
  }
  const params = url.searchParams;
  const expires = Number(params.get("X-Amz-Expires"));
  return (
    url.protocol === "https:" &&
    /^sts(\.[a-z0-9-]+)?\.amazonaws\.com$/.test(url.hostname) &&
    url.pathname === "/" &&
    params.get("Action") === "GetCallerIdentity" &&
    Number.isInteger(expires) &&
    expires > 0 &&
    expires <= 900 &&
    (params.get("X-Amz-SignedHeaders") ?? "").split(";").includes("x-k8s-aws-id") &&
    params.get("X-Amz-Signature") !== null
  );
}

/** The access key ID a token was signed with (X-Amz-Credential's first part); undefined when unreadable. */
export function accessKeyOfEksToken(token: string): string | undefined {
  try {
    const url = new URL(Buffer.from(token.slice("k8s-aws-v1.".length), "base64url").toString("utf8"));
    return url.searchParams.get("X-Amz-Credential")?.split("/")[0];
  } catch {
    return undefined;
  }
}
