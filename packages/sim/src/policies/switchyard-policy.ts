import { causeMessage, type EvaluationCause, type EvaluationDeps, evaluate } from "@switchyard/controller";
import type { CapacitySignal, EpochMs, SwitchyardConfig } from "@switchyard/core";
import { forecastAt, MINUTE } from "@switchyard/core";
import { InMemoryDemandHistoryReader } from "../adapters/in-memory-history.ts";
import {
  InMemoryLoadBalancerLocator,
  InMemoryRoutingVerifier,
  InMemoryTargetHealthReader,
} from "../adapters/in-memory-load-balancer.ts";
import { InMemoryCapacityRecorder, InMemoryMetricsReader } from "../adapters/in-memory-metrics.ts";
import {
  type ExecutionRecord,
  receiversTimedOut,
  StepFunctionsStandIn,
  stepLambdas,
  superseded,
  trafficShiftedAt,
} from "../adapters/step-functions-stand-in.ts";
import type {
  ComparedPolicy,
  DecisionNote,
  ForecastPoint,
  MoveRecord,
  PolicyContext,
  PolicyRun,
} from "./compared-policy.ts";
import { plannedStart } from "./initial-state.ts";

/**
 * Switchyard itself: the controller's `evaluate` every minute (the EventBridge schedule)
 * and on each CloudTrail capacity error (the EventBridge rule, after CloudTrail's delay),
 * with the mode switches it starts run through the workflow's steps by the Step Functions
 * stand-in. Everything it reads and writes goes through the core ports, so the production
 * `decide`, planner and thresholds of the scenario's config are what act.
 */
export const switchyardPolicy: ComparedPolicy = {
  name: "switchyard",
  description:
    "the controller's evaluate every minute and on CloudTrail capacity errors; switches run the workflow's steps (make-before-break)",
  initialState: (scenario) => plannedStart(scenario, "cost"),
  attach(context: PolicyContext): PolicyRun {
    const { scenario, env, clock, scheduler, cluster } = context;
    // One service per run: the controller evaluates every service of the config it is given.
    const config: SwitchyardConfig = { ...scenario.config, services: [scenario.service] };
    const recorder = new InMemoryCapacityRecorder();
    const stepFunctions = new StepFunctionsStandIn({
      config,
      scheduler,
      clock,
      lambdas: stepLambdas({
        config,
        cluster,
        clock,
        verifier: new InMemoryRoutingVerifier(env),
        targetHealth: new InMemoryTargetHealthReader(env, clock),
      }),
    });
    const deps: EvaluationDeps = {
      clock,
      metrics: new InMemoryMetricsReader(env, clock, recorder),
      recorder,
      instanceTypes: { instanceOf: async () => null },
      cluster,
      locator: new InMemoryLoadBalancerLocator(),
      switches: stepFunctions,
      history: new InMemoryDemandHistoryReader(env, clock),
    };
    const failures: { at: EpochMs; message: string }[] = [];
    const decisions: DecisionNote[] = [];
    const forecasts: ForecastPoint[] = [];
    const run = async (cause: EvaluationCause): Promise<void> => {
      try {
        const report = await evaluate(config, cause, deps);
        // The forecast for the moment a pod started now is ready: what the floors act on.
        for (const { floors } of report.services) {
          const rps = floors === null ? null : forecastAt(floors.forecast, report.at + floors.leadMs);
          if (floors !== null && rps !== null && cause.trigger === "schedule") {
            forecasts.push({ at: report.at + floors.leadMs, madeAt: report.at, rps });
          }
        }
        for (const { decision } of report.services) {
          const kind =
            decision.kind === "stay" && decision.heldBack !== undefined
              ? `stay (${decision.heldBack} held back)`
              : decision.kind;
          const last = decisions[decisions.length - 1];
          if (last === undefined || last.kind !== kind || !sameReasons(last.reasons, decision.reasons)) {
            decisions.push({ at: report.at, kind, reasons: decision.reasons });
          }
        }
      } catch (error) {
        failures.push({ at: clock.now(), message: error instanceof Error ? error.message : String(error) });
      }
    };

    const everyMinute = (at: EpochMs): void => {
      scheduler.at(at, async () => {
        await run({ trigger: "schedule", capacitySignals: [] });
        if (at + MINUTE < scenario.end) {
          everyMinute(at + MINUTE);
        }
      });
    };
    everyMinute(Math.ceil(scenario.start / MINUTE) * MINUTE);

    env.onCapacityError((error) => {
      const signal: CapacitySignal = {
        instanceType: error.instanceType,
        at: error.at,
        source: "cloudtrail-create-fleet",
        code: error.code,
        count: error.count,
      };
      scheduler.at(error.at + scenario.karpenter.cloudTrailDelayMs, () =>
        run({ trigger: "cloudtrail", capacitySignals: [signal] }),
      );
    });

    return {
      moves: () => stepFunctions.executions.map(moveOf),
      decisions: () => decisions,
      failures: () => failures,
      forecasts: () => forecasts,
    };
  },
};

/** Reasons with their numbers blanked: a minute-by-minute count changing is not a new reason. */
function sameReasons(a: readonly string[], b: readonly string[]): boolean {
  const shape = (reasons: readonly string[]) => reasons.map((r) => r.replace(/\d+(\.\d+)?/g, "#")).join("\n");
  return shape(a) === shape(b);
}

function moveOf(execution: ExecutionRecord): MoveRecord {
  const notes: string[] = [];
  if (receiversTimedOut(execution)) {
    notes.push("receivers were not ready by the deadline: traffic moved anyway");
  }
  if (execution.error !== null) {
    notes.push(`${execution.error.Error}: ${causeMessage(execution.error.Cause)}`);
  }
  return {
    move: execution.move,
    from: execution.input.from,
    to: execution.input.to,
    decidedAt: execution.startedAt,
    appliedAt: trafficShiftedAt(execution),
    outcome: superseded(execution)
      ? "superseded"
      : execution.status === "SUCCEEDED"
        ? "succeeded"
        : execution.status === "RUNNING"
          ? "running"
          : "failed",
    reasons: execution.input.reasons,
    notes,
  };
}
