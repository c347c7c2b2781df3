import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { afterEach, describe, expect, it, vi } from "vitest";

// `npm test` output is for test results: the functions' Powertools Metrics, created when
// a handler module loads, must not print their EMF JSON lines there. vitest.config.ts sets
// POWERTOOLS_METRICS_DISABLED, which Powertools reads when a Metrics is constructed and
// which wins over POWERTOOLS_DEV (the Lambda environment double sets that to "false"):
// https://docs.aws.amazon.com/powertools/typescript/latest/environment-variables ("POWERTOOLS_METRICS_DISABLED:
// Explicitly disables emitting metrics to stdout"), and Metrics.setDisabled in @aws-lambda-powertools/metrics.

/** What a Metrics built as functions/evaluate.ts builds it writes to stdout for one metric. */
function stdoutOfOneMetric(): string {
  let out = "";
  const write = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  try {
    const metrics = new Metrics({ namespace: "Switchyard", serviceName: "switchyard" });
    metrics.singleMetric().addMetric("CapacityMode", MetricUnit.Count, 1);
  } finally {
    write.mockRestore();
  }
  return out;
}

describe("Test environment: Powertools output", () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it("writes no EMF line to the test output, with POWERTOOLS_DEV=false as the Lambda environment double sets it", () => {
    process.env.POWERTOOLS_DEV = "false";

    expect(stdoutOfOneMetric()).toBe("");
  });

  it("still writes the EMF line where a test turns metrics back on (as the dashboard test does)", () => {
    process.env.POWERTOOLS_DEV = "false";
    process.env.POWERTOOLS_METRICS_DISABLED = "false";

    expect(stdoutOfOneMetric()).toMatch(/^\{"_aws":\{.*"CapacityMode":1\}\n$/);
  });
});
