import { performance } from "node:perf_hooks";
import { MINUTE } from "@switchyard/core";
import { InMemoryClusterGateway } from "../adapters/in-memory-cluster-gateway.ts";
import { SimClock } from "../adapters/sim-clock.ts";
import { EnvironmentModel } from "../model/environment.ts";
import type { CapacityError } from "../model/karpenter.ts";
import type {
  ComparedPolicy,
  DecisionNote,
  ForecastPoint,
  MoveRecord,
  PolicyName,
} from "../policies/compared-policy.ts";
import { MinuteBuilder, type MinuteSeries } from "../report/minute-series.ts";
import type { Scenario } from "../scenario/types.ts";
import { SimScheduler } from "./sim-scheduler.ts";

/** One policy's run of a scenario. */
export interface PolicyResult {
  readonly name: PolicyName;
  readonly description: string;
  /** Every minute, as the report reads it. */
  readonly minutes: MinuteSeries;
  readonly moves: readonly MoveRecord[];
  readonly decisions: readonly DecisionNote[];
  readonly capacityErrors: readonly CapacityError[];
  readonly failures: readonly { readonly at: number; readonly message: string }[];
  /** Its demand forecasts (switchyard with a forecast floor), oldest first. */
  readonly forecasts: readonly ForecastPoint[];
  /** Wall time of the run, in milliseconds. */
  readonly wallMs: number;
}

export interface SimulationResult {
  readonly scenario: Scenario;
  readonly policies: readonly PolicyResult[];
  /** Switchyard at several risk budgets (`simulate --hedge`), when asked for: see hedge-frontier.ts. */
  readonly frontier?: readonly { readonly maxLossShare: number; readonly result: PolicyResult }[];
}

/** Progress of a run: which policy, and how far through the scenario (0–1). */
export type ProgressListener = (policy: PolicyName, fraction: number) => void;

/** Runs each policy on the same scenario, one after the other, each in its own environment. */
export async function simulate(
  scenario: Scenario,
  policies: readonly ComparedPolicy[],
  onProgress: ProgressListener = () => {},
): Promise<SimulationResult> {
  const results: PolicyResult[] = [];
  for (const policy of policies) {
    results.push(await runPolicy(scenario, policy, onProgress));
  }
  return { scenario, policies: results };
}

export async function runPolicy(
  scenario: Scenario,
  policy: ComparedPolicy,
  onProgress: ProgressListener = () => {},
): Promise<PolicyResult> {
  const started = performance.now();
  const clock = new SimClock(scenario.start);
  const env = new EnvironmentModel(scenario, policy.initialState(scenario));
  const scheduler = new SimScheduler(clock);
  const cluster = new InMemoryClusterGateway(env, clock);
  const run = policy.attach({ scenario, env, clock, scheduler, cluster });

  const total = Math.ceil((scenario.end - scenario.start) / scenario.stepMs);
  // The minutes are folded as the steps come: no step is kept (a month of them as objects
  // for five policies is over a gigabyte).
  const minutes = new MinuteBuilder(env.service, env.latency, Math.ceil((total * scenario.stepMs) / MINUTE));
  const reportEvery = Math.max(1, Math.floor(total / 100));
  for (let i = 0; i < total; i += 1) {
    const at = scenario.start + i * scenario.stepMs;
    clock.set(at);
    env.beginStep(at);
    await scheduler.runUntil(at + scenario.stepMs);
    minutes.add(env.serveStep(at));
    env.autoscale(at + scenario.stepMs);
    if (i % reportEvery === 0) {
      onProgress(policy.name, i / total);
    }
  }
  onProgress(policy.name, 1);
  return {
    name: policy.name,
    description: policy.description,
    minutes: minutes.finish(),
    moves: run.moves(),
    decisions: run.decisions(),
    capacityErrors: env.capacityErrors,
    failures: run.failures(),
    forecasts: run.forecasts?.() ?? [],
    wallMs: performance.now() - started,
  };
}
