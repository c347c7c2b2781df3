import {
  SWITCHYARD_METRIC_NAMESPACE,
  SWITCHYARD_METRICS,
  stepFunctionsExecutionUrl,
} from "@switchyard/core/deploy";
import { describe, expect, it } from "vitest";
import { executionConsoleUrl } from "../../../packages/controller/src/alerts.ts";
import { testWorkflow } from "../../support/local-workflow.ts";
import { sourceFiles } from "../../support/source-files.ts";

/** Where our code lives (tests may spell the values out: they pin the contract). */
const SOURCES = ["packages", "functions", "infra"].flatMap(sourceFiles);
const HOME = "packages/core/src/deploy/metric-namespace.ts";

/** Files (other than the names' home) that spell `value` as a string literal. */
function spelledOutside(value: string, home: string): string[] {
  const literal = new RegExp(`(["'\`])${value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\1`);
  return SOURCES.filter((file) => file.path !== home && literal.test(file.text)).map((f) => f.path);
}

describe("Architecture: one definition", () => {
  it.each([SWITCHYARD_METRIC_NAMESPACE, ...Object.values(SWITCHYARD_METRICS)])(
    "spells the metric name %s only in core's metric-namespace.ts",
    (name) => {
      // The IAM condition on PutMetricData, the alarms and the dashboard read these names
      // from core: a second spelling would let a rename break them without a type error.
      expect(spelledOutside(name, HOME)).toEqual([]);
    },
  );

  it("defines each error the workflow matches by name once, in the package that throws it", () => {
    for (const name of ["RoutingNotAppliedError", "RoutingRejectedError"]) {
      const homes = SOURCES.filter((file) => new RegExp(`\\bclass ${name}\\b`).test(file.text));
      expect(
        homes.map((f) => f.path),
        name,
      ).toEqual(["packages/controller/src/errors.ts"]);
    }
  });

  it("builds console links only in core's console-urls.ts", () => {
    // The alerts, the workflow's Notify messages, the stack's outputs and `switchyard status`
    // all link to the console: one builder, so a changed console path is fixed once.
    const builders = SOURCES.filter((file) => file.text.includes("console.aws.amazon.com")).map(
      (f) => f.path,
    );
    expect(builders).toEqual(["packages/core/src/deploy/console-urls.ts"]);
  });

  it("links the workflow's notifications to the execution page the alerts link to", () => {
    const link = stepFunctionsExecutionUrl("us-west-2", "{}");
    expect(JSON.stringify(testWorkflow())).toContain(link);
    expect(executionConsoleUrl("arn:aws:states:us-west-2:1:execution:m:x", "us-west-2")).toBe(
      stepFunctionsExecutionUrl("us-west-2", "arn:aws:states:us-west-2:1:execution:m:x"),
    );
  });
});
