import { CoreV1Api, HttpMethod, RequestContext } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { kubeConfigFor } from "../../../packages/adapters/src/kube/kube-config.ts";

const CA = Buffer.from(
  "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUexample\n-----END CERTIFICATE-----\n",
).toString("base64");
const TOKEN = "k8s-aws-v1.aHR0cHM6Ly9zdHMudXMtd2VzdC0yLmFtYXpvbmF3cy5jb20v";
const SERVER = "https://0123456789ABCDEF0123456789ABCDEF.gr7.us-west-2.eks.amazonaws.com";

describe("Function: kubeConfigFor", () => {
  it("holds one cluster with the EKS endpoint and CA, verified, and one token user", () => {
    // Act
    const config = kubeConfigFor({ server: SERVER, caData: CA, token: TOKEN });

    // Assess
    expect(config.getCurrentCluster()).toMatchObject({ server: SERVER, caData: CA, skipTLSVerify: false });
    expect(config.getCurrentUser()).toMatchObject({ token: TOKEN });
    expect(config.getClusters()).toHaveLength(1);
  });

  it("sends the token as a bearer Authorization header", async () => {
    // Prepare
    const config = kubeConfigFor({ server: SERVER, caData: CA, token: TOKEN });
    const request = new RequestContext(`${SERVER}/api/v1/namespaces/default/pods`, HttpMethod.GET);

    // Act
    await config.applySecurityAuthentication(request);

    // Assess
    expect(request.getHeaders().Authorization).toBe(`Bearer ${TOKEN}`);
  });

  it("refuses a plain-HTTP endpoint instead of skipping TLS", async () => {
    // Prepare
    const config = kubeConfigFor({ server: "http://127.0.0.1:1", caData: CA, token: TOKEN });

    // Act
    const list = config.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: "default" });

    // Assess
    await expect(list).rejects.toThrow("HTTP protocol is not allowed when skipTLSVerify is not set or false");
  });
});
