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

/** An EKS token lives this long from its X-Amz-Date (aws-iam-authenticator, pkg/token/token.go `presignedURLExpiration`). */
export const EKS_TOKEN_LIFETIME_MS = 15 * 60_000;

/**
 * Whether the API server, its clock at `serverNow`, finds the token expired: aws-iam-authenticator's
 * `Verify` parses X-Amz-Date and refuses the token when `now.After(date.Add(presignedURLExpiration))`
 * ("X-Amz-Date parameter is expired (15 minute expiration)"), by the server's own clock.
 */
export function eksTokenExpiredAt(token: string, serverNow: number): boolean {
  try {
    const url = new URL(Buffer.from(token.slice("k8s-aws-v1.".length), "base64url").toString("utf8"));
    const stamp = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(
      url.searchParams.get("X-Amz-Date") ?? "",
    );
    if (stamp === null) return true;
    const [, y, mo, d, h, mi, se] = stamp.map(Number) as number[];
    const signed = Date.UTC(y ?? 0, (mo ?? 1) - 1, d ?? 0, h ?? 0, mi ?? 0, se ?? 0);
    return serverNow > signed + EKS_TOKEN_LIFETIME_MS;
  } catch {
    return true;
  }
}
