import { type DeploymentUnit, type EpochMs, planService } from "@switchyard/core";
import type { ComparedPolicy, PolicyContext, PolicyRun } from "./compared-policy.ts";
import { plannedStart } from "./initial-state.ts";

/**
 * The clairvoyant policy (not a bound: it pays for start-up and headroom; the report's
 * lower bound is `referenceCosts`): it knows each step's demand and every capacity window ahead,
 * so every step it runs the least-cost feasible plan (the production planner, headroom
 * included) with pods started early enough to be ready exactly when needed (and billed
 * for that start-up), and routes with no controller lag. A unit whose pool is blocked
 * when its pod would have had to launch keeps only the pods it has.
 */
export const oraclePolicy: ComparedPolicy = {
  name: "oracle",
  description:
    "knows demand and capacity ahead: the least-cost feasible plan every step, pods pre-started, routing instant",
  initialState: (scenario) => plannedStart(scenario, "cost", scenario.service, false),
  attach(context: PolicyContext): PolicyRun {
    const { scenario, env, scheduler } = context;
    // A pod ready at `at` launched a start-up earlier, and must have survived any window
    // that took running pods of its type since.
    const launchable = (type: string, at: EpochMs): boolean => {
      const launchedAt = at - env.startupMs(type);
      return (
        env.calendar.canLaunch(type, launchedAt) &&
        !env.calendar.podLossesBetween(launchedAt + 1, at + 1).some((w) => w.instanceType === type)
      );
    };
    const tick = async (at: EpochMs): Promise<void> => {
      const units = scenario.service.units.map((unit): DeploymentUnit => {
        const running = env.deployments.get(unit.name)?.count("ready") ?? 0;
        const canAdd = unit.instanceTypes.some((type) => launchable(type, at));
        return canAdd
          ? unit
          : { ...unit, minReplicaCount: Math.min(unit.minReplicaCount, running), maxReplicaCount: running };
      });
      const plan = planService({
        service: { ...scenario.service, units },
        mode: "cost",
        demandRps: env.demand.rpsAt(at),
      });
      for (const unitPlan of plan.units) {
        const deployment = env.deployments.get(unitPlan.name);
        if (deployment === undefined) {
          continue;
        }
        // The oracle's pods are all ready: drop what a ReplicaSet recreated after a loss.
        const running = deployment.count("ready");
        if (deployment.pods.length > running) {
          deployment.scaleTo(running, at);
        }
        if (unitPlan.pods > running) {
          const type = deployment.unit.instanceTypes.find((t) => launchable(t, at));
          env.addPrestartedPods(unitPlan.name, unitPlan.pods - running, at, at - env.startupMs(type ?? ""));
        } else if (unitPlan.pods < running) {
          deployment.scaleTo(unitPlan.pods, at);
        }
      }
      env.alb.setNow(new Map(plan.routing.targetGroups.map((g) => [g.serviceName, g.weight])), "cost", at);
      if (at + scenario.stepMs < scenario.end) {
        scheduler.at(at + scenario.stepMs, () => tick(at + scenario.stepMs));
      }
    };
    scheduler.at(scenario.start, () => tick(scenario.start));
    return { moves: () => [], decisions: () => [], failures: () => [] };
  },
};
