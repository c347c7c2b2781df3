import { GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { actionAnnotationKey, SWITCHYARD_ANNOTATIONS } from "@switchyard/core/manifests";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSwitchyard } from "../../support/cli.ts";
import { pod, seedSd21 } from "../../support/kube-objects.ts";
import { listedExecution, OperatorWorld, sstOutputs } from "../../support/operator-world.ts";
import { readRepoFile } from "../../support/paths.ts";

const CONFIG = "examples/sd21/switchyard.yaml";
/** Pulumi names the raw aws.sfn.StateMachine "ModeSwitch" with a random suffix. */
const MACHINE = "arn:aws:states:us-west-2:123456789012:stateMachine:switchyard-prod-mode-switch";

/**
 * The example output in docs/operations.md and the README is the commands' real output,
 * over the Kubernetes API double and mocked Step Functions (the CLI's clock is
 * 2026-11-14T21:20:00Z): the SD2.1 service after inf2 lost its capacity and Switchyard
 * failed over (its capacity-mode plan applied), then an operator pins it. Each fenced block after a
 * `<!-- output: <name> -->` marker must be what the command printed.
 */
describe("Docs: switchyard status and pin examples", () => {
  const world = new OperatorWorld();
  const printed = new Map<string, string>();

  beforeAll(async () => {
    await world.start();
    world.reset();
    world.double.reset();
    seedSd21(world.double, {
      routing: "equal",
      deployments: { "sd21-inf2": { replicas: 3, readyReplicas: 1 }, "sd21-trn1": { replicas: 2 } },
    });
    // What Switchyard's own failover writes: capacity mode's plan at the config's demand
    // (`switchyard plan --mode capacity`): one common KEDA target and the consolidated route.
    const planned = await runSwitchyard([
      "plan",
      "--config",
      CONFIG,
      "--mode",
      "capacity",
      "--output",
      "json",
    ]);
    expect(planned.code).toBe(0);
    const capacity = JSON.parse(planned.stdout).services[0].modes.capacity as {
      units: { name: string; kedaTarget: string }[];
      annotation: string;
    };
    for (const unit of capacity.units) {
      world.double.edit("ScaledObject", "default", unit.name, (scaledObject) => {
        const triggers = (scaledObject.spec as { triggers: { metadata: Record<string, string> }[] }).triggers;
        (triggers[0] as { metadata: Record<string, string> }).metadata.targetMetricValue = unit.kedaTarget;
      });
    }
    world.double.edit("Ingress", "default", "sd21", (ingress) => {
      Object.assign(ingress.metadata.annotations as Record<string, string>, {
        [actionAnnotationKey("weighted-routing")]: capacity.annotation,
        [SWITCHYARD_ANNOTATIONS.mode]: "capacity",
        [SWITCHYARD_ANNOTATIONS.lastTransition]: "2026-11-14T20:06:52Z",
        [SWITCHYARD_ANNOTATIONS.failoverCause]: "sd21-inf2",
      });
    });
    // The forecast floor holds trn1 at 2 pods (its owner's minReplicaCount is 1).
    world.double.edit("ScaledObject", "default", "sd21-trn1", (scaledObject) => {
      (scaledObject.spec as { minReplicaCount: number }).minReplicaCount = 2;
      scaledObject.metadata.annotations = { [SWITCHYARD_ANNOTATIONS.replicaFloor]: "2;base=1" };
    });
    for (const name of ["sd21-inf2-7d9c8b6f5-x2k4p", "sd21-inf2-7d9c8b6f5-q8r7t"]) {
      world.double.put(pod(name, { app: "sd21-inf2", unschedulableSince: "2026-11-14T20:03:40Z" }));
    }
    world.executions = [
      listedExecution(
        "sd21-failover-202611142004",
        "SUCCEEDED",
        "2026-11-14T20:04:11Z",
        "2026-11-14T20:11:58Z",
        MACHINE,
      ),
      listedExecution(
        "sd21-rebalance-202611141512",
        "SUCCEEDED",
        "2026-11-14T15:12:05Z",
        "2026-11-14T15:17:40Z",
        MACHINE,
      ),
    ];
    // What evaluate recorded of the forecast over the last hour: ForecastRps stamped with
    // the minute it was for (up to 9 minutes ahead), and the demand that came.
    const minute = (n: number) => new Date(Date.parse("2026-11-14T20:20:00Z") + n * 60_000);
    const demand = Array.from({ length: 59 }, (_, n) => 430 + 2 * n);
    world.cloudwatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        {
          Id: "f0",
          Timestamps: Array.from({ length: 69 }, (_, n) => minute(n)),
          Values: Array.from({ length: 69 }, (_, n) => 430 + 2 * n + (n % 3) * 4),
        },
        { Id: "d0", Timestamps: demand.map((_, n) => minute(n)), Values: demand },
      ],
    });
    const outputs = { ".sst/outputs.json": sstOutputs("prod", MACHINE) };
    const run = async (name: string, args: string[]) => {
      const result = await runSwitchyard(args, outputs);
      expect(result.stderr).toBe("");
      const shell = args.map((a) => (/^[\w./:-]+$/.test(a) ? a : `'${a}'`)).join(" ");
      printed.set(name, `$ npx switchyard ${shell}\n${result.stdout}`);
    };
    await run("status", ["status", "--config", CONFIG, "--stage", "prod"]);
    await run("pin", [
      "pin",
      "--config",
      CONFIG,
      "--service",
      "sd21",
      "--mode",
      "capacity",
      "--until",
      "4h",
      "--reason",
      "INC-4211 inf2 capacity in us-west-2a",
    ]);
    await run("status-pinned", ["status", "--config", CONFIG, "--service", "sd21"]);
    await run("unpin", ["unpin", "--config", CONFIG, "--service", "sd21"]);
    if (process.env.DUMP_DOC_OUTPUT !== undefined) {
      const { writeFileSync } = await import("node:fs");
      writeFileSync(process.env.DUMP_DOC_OUTPUT, JSON.stringify(Object.fromEntries(printed)));
    }
  });
  afterAll(() => world.stop());

  it.each([
    ["docs/operations.md", ["status", "pin", "status-pinned", "unpin"]],
    ["README.md", ["status", "pin"]],
  ])("%s shows the commands' real output", (file, names) => {
    const text = readRepoFile(file);
    for (const name of names) {
      expect(blockAfter(text, name), `${file}: the block after <!-- output: ${name} -->`).toBe(
        printed.get(name),
      );
    }
  });
});

/** The fenced block right after `<!-- output: name -->`. */
function blockAfter(text: string, name: string): string | undefined {
  const marker = `<!-- output: ${name} -->`;
  const at = text.indexOf(marker);
  if (at < 0) {
    return undefined;
  }
  const match = /```[a-z]*\n([\s\S]*?)```/.exec(text.slice(at + marker.length));
  return match?.[1];
}
