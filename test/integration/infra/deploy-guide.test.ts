import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readRepoFile } from "../../support/paths.ts";
import { ACCOUNT, APP, runStack, type StackRun } from "./sst-stack.ts";

const REGION = "us-west-2";
const CLUSTER = "hw-agnostic-infer";

/** The rows of the Markdown table right after `<!-- name -->` in docs/deploy.md, as cells. */
function tableAfter(doc: string, name: string): string[][] {
  const from = doc.indexOf(`<!-- ${name} -->`);
  expect(from, `docs/deploy.md has <!-- ${name} -->`).toBeGreaterThan(0);
  const lines = doc.slice(from).split("\n").slice(1);
  const rows: string[][] = [];
  for (const line of lines) {
    if (!line.startsWith("|")) break;
    rows.push(
      line
        .split("|")
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
  }
  return rows.slice(2);
}

const ticked = (cell: string | undefined): string[] =>
  [...(cell ?? "").matchAll(/`([^`]+)`/g)].map((m) => m[1] as string);

/** An IAM resource pattern with the guide's placeholders filled for the test stack, as a RegExp (`*` any run). */
function arnPattern(pattern: string): RegExp {
  const filled = pattern
    .replaceAll("<region>", REGION)
    .replaceAll("<account>", ACCOUNT)
    .replaceAll("<stage>", APP.stage)
    .replaceAll("<cluster>", CLUSTER);
  return new RegExp(
    `^${filled
      .split("*")
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
  );
}

describe("Docs: docs/deploy.md against the stack sst deploy builds", () => {
  const doc = readRepoFile("docs/deploy.md");
  let stack: StackRun;
  beforeAll(async () => {
    stack = await runStack({ region: REGION });
  }, 180_000);
  afterAll(() => {
    rmSync(stack.work, { recursive: true, force: true });
  });

  it("lists every resource type the stack creates, and nothing it does not", () => {
    const listed = tableAfter(doc, "deploy-resources").flatMap((row) => ticked(row[1]));
    const registered = new Set(stack.resources.filter((r) => r.custom).map((r) => r.type));
    // The e-mail subscription exists only with alerts.email, which the example config leaves out.
    registered.add("aws:sns/topicSubscription:TopicSubscription");
    expect([...new Set(listed)].sort()).toEqual([...registered].sort());
  });

  it("scopes every named resource the stack creates under a resource pattern of the deployer's IAM table", () => {
    const table = tableAfter(doc, "deployer-iam");
    const patternsOf = (service: string) =>
      table
        .filter((row) => ticked(row[1]).some((action) => action.startsWith(`${service}:`)))
        .flatMap((row) =>
          ticked(row[2])
            .filter((p) => p.startsWith("arn:"))
            .map(arnPattern),
        );
    // Types whose ARN the mock gives as AWS does; the rest (targets, permissions, role
    // policies, access entries, code objects) sit under their parent's pattern.
    const checked: Record<string, string> = {
      "aws:iam/role:Role": "iam",
      "aws:lambda/function:Function": "lambda",
      "aws:cloudwatch/logGroup:LogGroup": "logs",
      "aws:sfn/stateMachine:StateMachine": "states",
      "aws:cloudwatch/eventRule:EventRule": "events",
      "aws:sns/topic:Topic": "sns",
      "aws:cloudwatch/metricAlarm:MetricAlarm": "cloudwatch",
    };
    const resources = stack.resources.filter((r) => checked[r.type] !== undefined);
    expect(resources.length).toBeGreaterThan(30);
    for (const resource of resources) {
      const arn = String(resource.state.arn);
      const patterns = patternsOf(checked[resource.type] as string);
      expect(
        patterns.some((p) => p.test(arn)),
        `${resource.type} ${resource.name}: ${arn}`,
      ).toBe(true);
    }
    const dashboard = stack.resources.find((r) => r.type === "aws:cloudwatch/dashboard:Dashboard");
    const dashboardArn = `arn:aws:cloudwatch::${ACCOUNT}:dashboard/${String(dashboard?.inputs.dashboardName)}`;
    expect(
      patternsOf("cloudwatch").some((p) => p.test(dashboardArn)),
      dashboardArn,
    ).toBe(true);
  });
});
