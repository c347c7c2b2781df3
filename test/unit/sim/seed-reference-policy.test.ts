import { readdirSync } from "node:fs";
import { runPolicy } from "@switchyard/sim";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { DemandCurve } from "../../../packages/sim/src/demand/demand-curve.ts";
import type { ComparedPolicy } from "../../../packages/sim/src/policies/compared-policy.ts";
import { seedReferencePolicy } from "../../../packages/sim/src/policies/seed-reference-policy.ts";
import type { PolicyResult } from "../../../packages/sim/src/run/simulate.ts";
import type { Scenario } from "../../../packages/sim/src/scenario/types.ts";
import { readRepoFile, repoPath } from "../../support/paths.ts";
import { inlineScenario, repoScenario } from "../../support/scenarios.ts";

const ACTION = "alb.ingress.kubernetes.io/actions.weighted-routing";
const MINUTE = 60_000;

interface ForwardAction {
  forwardConfig: { targetGroups: { serviceName: string; servicePort: number; weight: number }[] };
}

/** The seed's manifest files (verbatim copies of seed 003's), read as kubectl would apply them. */
function seedManifest(file: string): Record<string, unknown>[] {
  return parseAllDocuments(readRepoFile(`test/fixtures/seed-manifests/${file}`))
    .map((doc) => doc.toJSON() as Record<string, unknown> | null)
    .filter((doc): doc is Record<string, unknown> => doc !== null);
}

function ingressAction(file: string): ForwardAction {
  const ingress = seedManifest(file).find((doc) => doc.kind === "Ingress") as {
    metadata: { annotations: Record<string, string> };
  };
  return JSON.parse(ingress.metadata.annotations[ACTION] ?? "") as ForwardAction;
}

/** targetMetricValue per ScaledObject name, as numbers. */
function scaledObjectTargets(file: string): Record<string, number> {
  return Object.fromEntries(
    seedManifest(file)
      .filter((doc) => doc.kind === "ScaledObject")
      .map((doc) => {
        const so = doc as {
          metadata: { name: string };
          spec: { triggers: { metadata: { targetMetricValue: string } }[] };
        };
        return [so.metadata.name, Number(so.spec.triggers[0]?.metadata.targetMetricValue)];
      }),
  );
}

const weightedAction = ingressAction("sd21-weighted-routing-ing.yaml");
const equalAction = ingressAction("sd21-equal-routing-ing.yaml");
const weightedTargets = scaledObjectTargets("sd21-scaledobject-weighted-routing.yaml");
const equalTargets = scaledObjectTargets("sd21-scaledobject-equal-routing.yaml");
const seedWeights = Object.fromEntries(
  weightedAction.forwardConfig.targetGroups.map((g) => [g.serviceName, g.weight]),
);

/** Runs seed-reference, reading the ScaledObjects' targets through the cluster gateway at the given times. */
async function runWithProbes(scenario: Scenario, probeAt: readonly number[]) {
  const targetsAt = new Map<number, Record<string, string>>();
  const probed: ComparedPolicy = {
    ...seedReferencePolicy,
    attach(context) {
      const run = seedReferencePolicy.attach(context);
      for (const at of probeAt) {
        context.scheduler.at(at, async () => {
          const objects = await context.cluster.readScaledObjects(scenario.service);
          targetsAt.set(
            at,
            Object.fromEntries(Object.entries(objects).map(([unit, o]) => [unit, o.target ?? ""])),
          );
        });
      }
      return run;
    },
  };
  const result = await runPolicy(scenario, probed);
  return { result, targetsAt };
}

function weightsAt(result: PolicyResult, at: number): Record<string, number> {
  const minute = [...result.minutes].find((m) => m.at === at);
  return Object.fromEntries((minute?.units ?? []).map((u) => [u.name, u.weight]));
}

const numeric = (targets: Record<string, string> | undefined) =>
  Object.fromEntries(Object.entries(targets ?? {}).map(([unit, value]) => [unit, Number(value)]));

describe("Policy: seed-reference", () => {
  it.each(readdirSync(repoPath("examples/sd21/scenarios")).filter((f) => f.endsWith(".yaml")))(
    "replays the seed's own manifests in the bundled %s",
    async (file) => {
      const scenario = await repoScenario(`examples/sd21/scenarios/${file}`);
      expect(scenario.seedReference).toEqual({
        weights: seedWeights,
        weightedTargets,
        equalTargets,
      });
    },
  );

  it("starts on the weighted Ingress 40/20/15/10/15 and the weighted ScaledObjects' targets, not least-cost weights", async () => {
    const scenario = await repoScenario("examples/sd21/scenarios/scale-inf2-outage.yaml");
    const initial = seedReferencePolicy.initialState(scenario);
    const action = JSON.parse(initial.annotations[ACTION] ?? "") as ForwardAction;
    expect(
      Object.fromEntries(action.forwardConfig.targetGroups.map((g) => [g.serviceName, g.weight])),
    ).toEqual(seedWeights);
    expect(numeric(initial.kedaTargets as Record<string, string>)).toEqual(weightedTargets);
    // KEDA's pods for the first minute's demand under those manifests: inf2 gets 40 % at 100 RPS a pod.
    const first = new DemandCurve(scenario.demand, scenario.noise, scenario.start, scenario.end).rpsAt(
      scenario.start,
    );
    expect(initial.pods["sd21-inf2"]).toBe(Math.ceil((0.4 * first) / 100));
    expect(initial.pods["sd21-trn1"]).toBe(Math.ceil((0.2 * first) / 110));
  });

  it("applies the equal-routing Ingress and ScaledObjects at its first poll after a capacity error, and the weighted ones only when the next load cycle starts", async () => {
    // A day of steady demand; inf2 (pods included) lost from 00:32 to 01:30. The seed's
    // controller polls every 5 minutes; the next load cycle starts 24 h after the start.
    const scenario = await inlineScenario(`name: seed-poll
start: 2024-11-14T00:00:00Z
duration: 26h
demand: { shape: constant, rps: 330 }
capacity:
  - { instanceType: inf2.xlarge, from: 32m, to: 1h30m, podsLost: true }
seedReference:
  weighted:
    weights: { sd21-inf2: 40, sd21-trn1: 20, sd21-a10g-triton: 15, sd21-l4-triton: 10, sd21-a10g-cuda: 15 }
    targets: { sd21-inf2: 100, sd21-trn1: 110, sd21-a10g-triton: 90, sd21-l4-triton: 60, sd21-a10g-cuda: 60 }
  equal:
    targets: { sd21-inf2: 70, sd21-trn1: 70, sd21-a10g-triton: 63, sd21-l4-triton: 64, sd21-a10g-cuda: 63 }
`);
    const start = scenario.start;
    const { result, targetsAt } = await runWithProbes(scenario, [
      start + 30 * MINUTE + 1,
      start + 35 * MINUTE + 1,
      start + 24 * 60 * MINUTE + 1,
    ]);
    const failover = result.moves.find((m) => m.move === "failover");
    const fallback = result.moves.find((m) => m.move === "fallback");
    // Polls at 00:05, 00:10, …: the first that sees the 00:32 failures is 00:35.
    expect(failover?.decidedAt).toBe(start + 35 * MINUTE);
    expect(fallback?.decidedAt).toBe(start + 24 * 60 * MINUTE);
    expect(numeric(targetsAt.get(start + 30 * MINUTE + 1))).toEqual(weightedTargets);
    expect(numeric(targetsAt.get(start + 35 * MINUTE + 1))).toEqual(equalTargets);
    expect(numeric(targetsAt.get(start + 24 * 60 * MINUTE + 1))).toEqual(weightedTargets);

    // The ALB rule: the seed's weights, then the consolidated Service sd21 at weight 100
    // (the equal-routing Ingress) once the Load Balancer Controller has applied it.
    expect(weightsAt(result, start + 20 * MINUTE)).toEqual(seedWeights);
    const equal = equalAction.forwardConfig.targetGroups;
    expect(equal).toEqual([{ serviceName: "sd21", servicePort: 80, weight: 100 }]);
    const during = [...result.minutes].find((m) => m.at === start + 40 * MINUTE);
    expect(during?.mode).toBe("capacity");
    expect([...result.minutes].find((m) => m.at === start + 20 * 60 * MINUTE)?.mode).toBe("capacity");
    expect(weightsAt(result, start + 25 * 60 * MINUTE)).toEqual(seedWeights);
  });
});
