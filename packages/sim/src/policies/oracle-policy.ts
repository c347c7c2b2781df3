import { capacityTypesOf, type DeploymentUnit, type EpochMs, planService } from "@switchyard/core";
import { type Offering, windowCovers } from "../capacity/capacity-calendar.ts";
import type { ComparedPolicy, PolicyContext, PolicyRun } from "./compared-policy.ts";
import { plannedStart, unhedged } from "./initial-state.ts";

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
  initialState: (scenario) => plannedStart(scenario, "cost", unhedged(scenario.service), false),
  attach(context: PolicyContext): PolicyRun {
    const { scenario, env, scheduler } = context;
    // A pod ready at `at` launched a start-up earlier, in an offering (zone, capacity
    // type) that could launch then and that no window has taken running pods of since.
    const launchable = (unit: DeploymentUnit, type: string, at: EpochMs) => {
      const launchedAt = at - env.startupMs(type);
      const survives = (offering: Offering) =>
        env.calendar.canLaunch(type, launchedAt, offering) &&
        !env.calendar
          .podLossesBetween(launchedAt + 1, at + 1)
          .some((w) => w.instanceType === type && windowCovers(w, offering));
      for (const capacityType of capacityTypesOf(unit)) {
        const zones = (unit.zones ?? [null]).filter((zone) => survives({ zone, capacityType }));
        if (zones.length > 0) {
          return {
            instanceType: type,
            capacityType,
            ...(unit.zones === undefined ? {} : { zones: zones as string[] }),
          };
        }
      }
      return null;
    };
    const placement = (unit: DeploymentUnit, at: EpochMs) =>
      unit.instanceTypes.map((type) => launchable(unit, type, at)).find((p) => p !== null) ?? null;
    // It knows the future, so it needs no hedge against it.
    const service = unhedged(scenario.service);
    const tick = async (at: EpochMs): Promise<void> => {
      const units = service.units.map((unit): DeploymentUnit => {
        const running = env.deployments.get(unit.name)?.count("ready") ?? 0;
        return placement(unit, at) !== null
          ? unit
          : { ...unit, minReplicaCount: Math.min(unit.minReplicaCount, running), maxReplicaCount: running };
      });
      const plan = planService({
        service: { ...service, units },
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
          const placed = placement(deployment.unit, at);
          env.addPrestartedPods(
            unitPlan.name,
            unitPlan.pods - running,
            at,
            at - env.startupMs(placed?.instanceType ?? ""),
            placed,
          );
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
