/**
 * aws-sdk-client-mock replaces `send`, so the SDK's retry middleware never runs under it.
 * Here a real CloudWatchClient runs its whole middleware stack; a middleware at the
 * `deserialize` step (inside the retry loop, where the HTTP response would be parsed)
 * fails every attempt without touching the network. This file must not call mockClient:
 * it stubs CloudWatchClient.prototype.send for every instance in the file.
 */
import { CloudWatchClient, CloudWatchServiceException } from "@aws-sdk/client-cloudwatch";
import { ConfiguredRetryStrategy } from "@smithy/core/retry";
import { CloudWatchMetricsReader } from "@switchyard/adapters";
import type { MetricsRequest } from "@switchyard/core/ports";
import { describe, expect, it } from "vitest";
import { MetricsUnavailableError } from "../../../packages/adapters/src/errors.ts";

const MAX_ATTEMPTS = 3;
const START = Date.parse("2025-06-02T14:00:00Z");

const request: MetricsRequest = {
  services: [
    {
      service: "sd21",
      loadBalancer: "app/k8s-default-sd21-3f2a9c1b7e/50dc6c495c0c9188",
      targetGroups: { "sd21-inf2": "targetgroup/k8s-default-sd21inf2-8c2f/0123456789abcdef" },
      consolidatedTargetGroup: null,
      latencyStatistic: "p95",
    },
  ],
  instanceTypes: ["inf2.xlarge"],
  start: START,
  end: START + 5 * 60_000,
};

/** A real client whose every attempt fails at the deserialize step with `failure()`; counts the attempts. */
function failingClient(failure: () => Error): { client: CloudWatchClient; attempts: () => number } {
  let attempts = 0;
  const client = new CloudWatchClient({
    region: "us-east-1",
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" },
    maxAttempts: MAX_ATTEMPTS,
    // The SDK's standard strategy (its own retry decisions), with no backoff so the test is fast.
    // A retryStrategy replaces the one maxAttempts would configure, so it carries the attempt count too.
    retryStrategy: new ConfiguredRetryStrategy(MAX_ATTEMPTS, 0),
  });
  client.middlewareStack.add(
    () => async () => {
      attempts += 1;
      throw failure();
    },
    { step: "deserialize", name: "failEveryAttempt", priority: "high" },
  );
  return { client, attempts: () => attempts };
}

describe("Class: CloudWatchMetricsReader", () => {
  it("surfaces a ThrottlingException as MetricsUnavailableError once the SDK has retried it", async () => {
    // Prepare
    const { client, attempts } = failingClient(
      () =>
        new CloudWatchServiceException({
          name: "ThrottlingException",
          $fault: "client",
          $metadata: { httpStatusCode: 400 },
          message: "Rate exceeded",
        }),
    );
    const reader = new CloudWatchMetricsReader({ client, cluster: "hw-agnostic-infer" });

    // Act
    const failure = await reader.read(request).catch((error: unknown) => error);

    // Assess
    expect(attempts()).toBe(MAX_ATTEMPTS);
    expect(failure).toBeInstanceOf(MetricsUnavailableError);
    expect((failure as Error).cause).toBeInstanceOf(CloudWatchServiceException);
    expect((failure as Error).cause).toMatchObject({
      name: "ThrottlingException",
      $metadata: { attempts: 3 },
    });
    expect((failure as Error).message).toContain("ThrottlingException: Rate exceeded (HTTP 400, 3 attempts)");
  });

  it("does not retry an error the SDK does not consider retryable", async () => {
    // Prepare
    const { client, attempts } = failingClient(
      () =>
        new CloudWatchServiceException({
          name: "InvalidParameterValueException",
          $fault: "client",
          $metadata: { httpStatusCode: 400 },
          message: "The parameter Stat must be a valid statistic.",
        }),
    );
    const reader = new CloudWatchMetricsReader({ client, cluster: "hw-agnostic-infer" });

    // Act
    const failure = await reader.read(request).catch((error: unknown) => error);

    // Assess
    expect(attempts()).toBe(1);
    expect(failure).toBeInstanceOf(MetricsUnavailableError);
    expect((failure as Error).message).toContain("InvalidParameterValueException");
  });
});
