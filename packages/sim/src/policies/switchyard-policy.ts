import { causeMessage, type EvaluationCause, type EvaluationDeps, evaluate } from "@switchyard/controller";
import type { CapacitySignal, EpochMs, InferenceService, SwitchyardConfig } from "@switchyard/core";
import { forecastAt, MINUTE } from "@switchyard/core";
import { InMemoryDemandHistoryReader } from "../adapters/in-memory-history.ts";
import {
  InMemoryLoadBalancerLocator,
  InMemoryRoutingVerifier,
  InMemoryTargetHealthReader,
} from "../adapters/in-memory-load-balancer.ts";
import { InMemoryCapacityRecorder, InMemoryMetricsReader } from "../adapters/in-memory-metrics.ts";
import { InMemoryNodePlacement } from "../adapters/in-memory-node-placement.ts";
import {
  type ExecutionRecord,
  receiversTimedOut,
  StepFunctionsStandIn,
  stepLambdas,
  superseded,
  trafficShiftedAt,
} from "../adapters/step-functions-stand-in.ts";
import type { SpotWarning } from "../model/environment.ts";
import type { Scenario } from "../scenario/types.ts";
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
export const switchyardPolicy: ComparedPolicy = switchyardPolicyWith({});

/** How a switchyard run's controller differs from the scenario's config (a point of the cost–risk frontier). */
interface ControllerVariant {
  /** policy.hedge.maxLossShare in place of the config's. */
  readonly maxLossShare?: number;
  /**
   * False: the controller is not told the units' zones (it plans each Spot unit as one
   * cell), while the pods still spread over them: what the hedge costs without zones.
   */
  readonly zonesKnown?: boolean;
}

/** The service as the controller of a variant is configured. */
function controlledService(service: InferenceService, variant: ControllerVariant): InferenceService {
  const hedged =
    variant.maxLossShare === undefined
      ? service
      : { ...service, policy: { ...service.policy, hedge: { maxLossShare: variant.maxLossShare } } };
  if (variant.zonesKnown !== false) {
    return hedged;
  }
  return { ...hedged, units: hedged.units.map(({ zones: _zones, ...unit }) => unit) };
}

/** Switchyard with the scenario's config, or with a variant of its hedge (see ControllerVariant). */
export function switchyardPolicyWith(variant: ControllerVariant): ComparedPolicy {
  const service = (scenario: Scenario) => controlledService(scenario.service, variant);
  return {
    name: "switchyard",
    description:
      "the controller's evaluate every minute and on CloudTrail capacity errors; switches run the workflow's steps (make-before-break)",
    initialState: (scenario) => plannedStart(scenario, "cost", service(scenario)),
    attach(context: PolicyContext): PolicyRun {
      const { scenario, env, clock, scheduler, cluster } = context;
      // One service per run: the controller evaluates every service of the config it is given.
      const config: SwitchyardConfig = { ...scenario.config, services: [service(scenario)] };
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
      // DescribeInstances of a warned instance: its type, zone and the cluster tag Karpenter puts on its nodes.
      const warned = new Map<string, SpotWarning>();
      const deps: EvaluationDeps = {
        clock,
        metrics: new InMemoryMetricsReader(env, clock, recorder),
        recorder,
        instanceTypes: {
          instanceOf: async (instanceId) => {
            const warning = warned.get(instanceId);
            return warning === undefined
              ? null
              : {
                  instanceType: warning.instanceType,
                  tags: { [`kubernetes.io/cluster/${config.cluster.name}`]: "owned" },
                  ...(warning.zone === null ? {} : { availabilityZone: warning.zone }),
                };
          },
        },
        placement: new InMemoryNodePlacement(env),
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
        // CloudTrail's CreateFleet error item: the override's zone and the fleet's lifecycle.
        const signal: CapacitySignal = {
          instanceType: error.instanceType,
          at: error.at,
          source: "cloudtrail-create-fleet",
          code: error.code,
          count: error.count,
          ...(error.zone === null ? {} : { availabilityZone: error.zone }),
          capacityType: error.capacityType,
        };
        scheduler.at(error.at + scenario.karpenter.cloudTrailDelayMs, () =>
          run({ trigger: "cloudtrail", capacitySignals: [signal] }),
        );
      });

      // EventBridge delivers each warning to evaluate as it comes (one event per instance);
      // the ARN in its resources names the instance's zone when EC2 writes the zone form.
      env.onSpotWarning((warning) => {
        warned.set(warning.instanceId, warning);
        scheduler.at(warning.at, () =>
          run({
            trigger: "spot-interruption",
            capacitySignals: [],
            spotInterruption: {
              instanceId: warning.instanceId,
              at: warning.at,
              action: "terminate",
              availabilityZone: null,
            },
            region: config.cluster.region,
          }),
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
}

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
