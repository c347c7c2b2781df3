import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEPLOYED_CONFIG_FILE, deployedConfigDocument, loadConfig } from "@switchyard/core";
import { modeSwitchName } from "@switchyard/core/deploy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { componentName } from "../../../infra/component-name.ts";
import { CONFIG_ENV } from "../../../infra/config.ts";
import { HANDLERS } from "../../../scripts/handlers.ts";
import { readRepoFile } from "../../support/paths.ts";
import { ACCOUNT, APP, readZip, runStack, type StackRun } from "./sst-stack.ts";

// A second cluster's stack, next to the one stack.test.ts deploys (stage APP.stage, the
// example's cluster): its own stage, its config kept outside the repository and named
// by absolute path. (Pulumi's mocks allow one stack per process, so one per test file.)

const STAGE = "prod-b";
const CLUSTER = "inference-b";
let folder: string;
let path: string;
let stack: StackRun;

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), "switchyard-cluster-b-"));
  path = join(folder, "switchyard.yaml");
  writeFileSync(
    path,
    readRepoFile("examples/sd21/switchyard.yaml").replace("name: hw-agnostic-infer", `name: ${CLUSTER}`),
  );
  process.env[CONFIG_ENV] = path;
  stack = await runStack({ region: "us-west-2", stage: STAGE });
}, 180_000);

afterAll(() => {
  delete process.env[CONFIG_ENV];
  rmSync(folder, { recursive: true, force: true });
  rmSync(stack.work, { recursive: true, force: true });
});

describe("Stack: a second cluster's stage beside the first", () => {
  it("deploys the config SWITCHYARD_CONFIG names by absolute path, outside the repository", () => {
    const config = loadConfig(
      readRepoFile("examples/sd21/switchyard.yaml").replace("name: hw-agnostic-infer", `name: ${CLUSTER}`),
      path,
    );
    expect(stack.outputs.config).toBe(path);
    expect(stack.outputs.stage).toBe(STAGE);
    for (const name of HANDLERS) {
      const files = readZip(join(stack.work, "artifacts", `${componentName(name)}Function`, "code.zip"));
      expect(files.get(DEPLOYED_CONFIG_FILE)?.toString("utf8"), name).toBe(
        deployedConfigDocument(config, path),
      );
    }
    const entries = stack.resources.filter((r) => r.type === "aws:eks/accessEntry:AccessEntry");
    expect(entries.map((e) => e.inputs.clusterName)).toEqual(HANDLERS.map(() => CLUSTER));
    expect(stack.outputs.rbac).toBe(`npx switchyard rbac --config ${path} | kubectl apply -f -`);
  });

  it("names its state machine by the stage, where switchyard status --stage finds it", () => {
    const [machine] = stack.resources.filter((r) => r.type === "aws:sfn/stateMachine:StateMachine");
    expect(machine?.inputs.name).toBe(`switchyard-${STAGE}-mode-switch`);
    expect(stack.outputs.stateMachine).toBe(
      `arn:aws:states:us-west-2:${ACCOUNT}:stateMachine:${modeSwitchName(STAGE)}`,
    );
  });

  it("gives every resource it names itself a name of its stage: nothing collides with another stage's", () => {
    const named = stack.resources.flatMap((r) =>
      ["name", "dashboardName"].flatMap((key) =>
        typeof r.inputs[key] === "string"
          ? [{ resource: `${r.type} ${r.name}`, name: r.inputs[key] as string }]
          : [],
      ),
    );
    expect(named.length).toBeGreaterThan(5);
    // Each holds `<app>-<stage>` (SST's physical names, ours): another stage's cannot equal it.
    expect(named.filter(({ name }) => !name.includes(`${APP.name}-${STAGE}`))).toEqual([]);
  });

  it("alarms on and plots its own cluster's series in the namespace both stacks write", () => {
    for (const name of ["LaunchBlockedAlarm", "CapacityTrailMissingAlarm"]) {
      const [alarm] = stack.resources.filter(
        (r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm" && r.name === name,
      );
      expect(alarm?.inputs.dimensions, name).toEqual({ service: "switchyard", Cluster: CLUSTER });
    }
    const [dashboard] = stack.resources.filter((r) => r.type === "aws:cloudwatch/dashboard:Dashboard");
    const body = String(dashboard?.inputs.dashboardBody);
    expect(body).toContain(`"Cluster","${CLUSTER}"`);
    expect(body).not.toContain("hw-agnostic-infer");
  });
});
