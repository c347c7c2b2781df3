import type { EpochMs, InferenceService } from "@switchyard/core";
import { SWITCHYARD_ANNOTATIONS } from "@switchyard/core/manifests";
import type { IngressPatchBuilder, RoutingChange } from "@switchyard/core/ports";
import { MODE_SWITCH_STATES, modeSwitchTable, modeSwitchTiming } from "@switchyard/core/workflow";
import { loadScenario, runPolicy } from "@switchyard/sim";
import { describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import { RETRIED_ERRORS } from "../../../packages/core/src/workflow/step-table.ts";
import { InMemoryClusterGateway } from "../../../packages/sim/src/adapters/in-memory-cluster-gateway.ts";
import type { SimClock } from "../../../packages/sim/src/adapters/sim-clock.ts";
import { WORKFLOW_TIMING } from "../../../packages/sim/src/adapters/step-functions-stand-in.ts";
import type { EnvironmentModel } from "../../../packages/sim/src/model/environment.ts";
import type { ComparedPolicy } from "../../../packages/sim/src/policies/compared-policy.ts";
import { switchyardPolicy } from "../../../packages/sim/src/policies/switchyard-policy.ts";
import { readRepoFile } from "../../support/paths.ts";
import { readRepoText } from "../../support/scenarios.ts";

const CONFIG = "examples/sd21/switchyard.yaml";
const SCENARIO = "test/fixtures/scenarios/demand-jump.yaml";
// 400 RPS, then 800 RPS from 00:10: the weights planned for 400 make KEDA run pods the
// cost-optimal plan at 800 does not need (about 36 % of the cost above the minReplicaCount
// floor), so a rebalance is due once that lasts 15 minutes.
const SCENARIO_TEXT = `name: demand-jump
config: ../../../${CONFIG}
start: 2024-11-14T00:00:00Z
duration: 1h
demand: { shape: steps, steps: [{ from: 0s, rps: 400 }, { from: 10m, rps: 800 }] }
`;
const SHORT_OUTAGE = "test/fixtures/scenarios/short-outage.yaml";

/**
 * A scenario (the demand jump unless given) over the bundled config with some policy
 * fields changed, read as the CLI would read the files.
 */
async function scenarioWithPolicy(
  edit: Record<string, number | string> = {},
  scenario: { path: string; text: string } = { path: SCENARIO, text: SCENARIO_TEXT },
) {
  const doc = parseDocument(readRepoFile(CONFIG));
  for (const [key, value] of Object.entries(edit)) {
    doc.setIn(["policy", key], value);
  }
  const files: Record<string, string> = { [scenario.path]: scenario.text, [CONFIG]: doc.toString() };
  return loadScenario(scenario.path, async (path) => files[path] ?? readRepoText(path));
}

/** short-outage (inf2 and its pods lost from 00:30 to 01:30), answered by failing over (policy lossResponse: failover). */
async function failoverScenario(text = readRepoFile(SHORT_OUTAGE), path = SHORT_OUTAGE) {
  return scenarioWithPolicy({ lossResponse: "failover" }, { path, text });
}

describe("Policy: switchyard", () => {
  it("runs the production decide and planner: the config's rebalance dead band decides whether it rebalances", async () => {
    const base = await runPolicy(await scenarioWithPolicy(), switchyardPolicy);
    const rebalance = base.moves.find((m) => m.move === "rebalance");
    expect(rebalance?.outcome).toBe("succeeded");
    expect(rebalance?.reasons[0]).toMatch(
      /saves [\d.]+ % of the cost above the minReplicaCount floor .* in each of the last 15 measured min \(dead band 10 %\)/,
    );
    // decide's sustain window: 15 one-minute observations of the new demand, read 2 minutes late.
    expect(
      ((rebalance?.decidedAt ?? 0) - Date.parse("2024-11-14T00:10:00Z")) / 60_000,
    ).toBeGreaterThanOrEqual(15);

    const wide = await runPolicy(
      await scenarioWithPolicy({ rebalanceDeadBandPercent: 60 }),
      switchyardPolicy,
    );
    expect(wide.moves).toEqual([]);
    const slow = await runPolicy(await scenarioWithPolicy({ rebalanceSustainMinutes: 30 }), switchyardPolicy);
    expect(slow.moves[0]?.reasons[0]).toMatch(/in each of the last 30 measured min/);
    expect(slow.moves[0]?.decidedAt ?? 0).toBeGreaterThan(rebalance?.decidedAt ?? Infinity);
  });

  it("fails over on the first capacity error with decide's own reasons, through the workflow's steps", async () => {
    const run = await runPolicy(await failoverScenario(), switchyardPolicy);
    const failover = run.moves.find((m) => m.move === "failover");
    expect(failover).toMatchObject({ from: "cost", to: "capacity", outcome: "succeeded" });
    expect(failover?.reasons[0]).toMatch(
      /sd21-inf2 \(weight \d+\) cannot get inf2.xlarge capacity: \d+ InsufficientInstanceCapacity/,
    );
    expect(failover?.decidedAt).toBe(Date.parse("2024-11-14T00:30:00Z"));
    // ShiftTraffic patched the Ingress within the minute; the steps ran in sim time.
    expect((failover?.appliedAt ?? 0) - (failover?.decidedAt ?? 0)).toBeLessThan(60_000);
    const firstCapacityMinute = [...run.minutes].find((m) => m.mode === "capacity");
    expect(firstCapacityMinute?.at).toBe(Date.parse("2024-11-14T00:31:00Z"));
    expect(run.failures).toEqual([]);
  });
});

/**
 * The simulated cluster with another writer on the Ingress: for the first `edits` patches
 * of the routing Switchyard builds (ShiftTraffic's: they set switchyard.io/mode), it edits
 * an annotation of its own between Switchyard's read and its patch, so the patch's
 * resourceVersion is stale and the API answers 409. Each call of patchRouting that writes
 * the routing is recorded with when it ran and how it ended.
 */
class ContendedClusterGateway extends InMemoryClusterGateway {
  readonly calls: { readonly at: EpochMs; readonly outcome: string }[] = [];
  readonly #env: EnvironmentModel;
  readonly #clock: SimClock;
  #edits: number;

  constructor(env: EnvironmentModel, clock: SimClock, edits: number) {
    super(env, clock);
    this.#env = env;
    this.#clock = clock;
    this.#edits = edits;
  }

  override async patchRouting(service: InferenceService, build: IngressPatchBuilder): Promise<RoutingChange> {
    const at = this.#clock.now();
    let routing = false;
    try {
      const change = await super.patchRouting(service, (current) => {
        const patch = build(current);
        routing = patch?.metadata.annotations[SWITCHYARD_ANNOTATIONS.mode] !== undefined;
        if (routing && this.#edits > 0) {
          this.#edits -= 1;
          this.#env.ingress.mergePatch({ metadata: { annotations: { "team/edit": `${this.#edits}` } } }, at);
        }
        return patch;
      });
      if (routing) {
        this.calls.push({ at, outcome: "patched" });
      }
      return change;
    } catch (error) {
      this.calls.push({ at, outcome: (error as Error).name });
      throw error;
    }
  }
}

describe("Class: StepFunctionsStandIn", () => {
  it("retries an Ingress conflict that outlasts the gateway's own retries as the deployed workflow does: TransientError, then ShiftTraffic again after the Retry's interval", async () => {
    // Prepare: the gateway reads again and retries a 409 three times (as the real one
    // does), so four contended builds make the first ShiftTraffic fail with a conflict.
    const scenario = await failoverScenario();
    let cluster: ContendedClusterGateway | undefined;
    const contended: ComparedPolicy = {
      ...switchyardPolicy,
      attach: (context) => {
        cluster = new ContendedClusterGateway(context.env, context.clock, 4);
        return switchyardPolicy.attach({ ...context, cluster });
      },
    };
    const shiftTraffic = modeSwitchTable({
      region: scenario.config.cluster.region,
      timing: modeSwitchTiming(scenario.config),
    }).states[MODE_SWITCH_STATES.shiftTraffic];
    const transientRetry =
      shiftTraffic.type === "invoke"
        ? shiftTraffic.retry.find((r) => r.ErrorEquals.includes(RETRIED_ERRORS.transient))
        : undefined;

    // Act
    const run = await runPolicy(scenario, contended);

    // Assess: the conflict reached the workflow as TransientError, which the step table's
    // Retry waits out (the Lambda's second, then IntervalSeconds) and tries again; the
    // second ShiftTraffic patches, and the switch completes without a rollback.
    expect(transientRetry?.IntervalSeconds).toBe(3);
    const [failed, patched] = cluster?.calls ?? [];
    expect(failed?.outcome).toBe("ConflictError");
    expect(patched).toEqual({
      at: (failed?.at ?? 0) + WORKFLOW_TIMING.lambdaMs + (transientRetry?.IntervalSeconds ?? 0) * 1000,
      outcome: "patched",
    });
    const failover = run.moves.find((m) => m.move === "failover");
    expect(failover).toMatchObject({ outcome: "succeeded", appliedAt: patched?.at });
    expect(run.failures).toEqual([]);
  });

  it("rolls a switch back when the ALB does not show the new weights within verifyTimeoutSeconds", async () => {
    const text = readRepoFile(SHORT_OUTAGE).replace("podStartup:", "alb: { ruleLag: 10m }\npodStartup:");
    const scenario = await failoverScenario(text, "test/fixtures/scenarios/slow-alb.yaml");
    const run = await runPolicy(scenario, switchyardPolicy);
    const first = run.moves[0];
    expect(first).toMatchObject({ move: "failover", outcome: "failed" });
    expect(first?.notes.join(" ")).toMatch(
      /RoutingNotAppliedError: the ALB listener rule does not hold the planned weights yet/,
    );
    // Rollback put the cost-mode annotation back, so the ALB never routed in capacity mode
    // before a later failover's patch had waited out the 10-minute lag.
    const firstCapacity = [...run.minutes].find((m) => m.mode === "capacity")?.at ?? Infinity;
    expect(firstCapacity - (first?.decidedAt ?? 0)).toBeGreaterThan(10 * 60_000);
  });
});
