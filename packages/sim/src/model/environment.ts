import type { DeploymentUnit, EpochMs, InferenceService } from "@switchyard/core";
import { HOUR, MINUTE, podHourlyPrice, SECOND } from "@switchyard/core";
import { USE_ANNOTATION } from "@switchyard/core/manifests";
import { CapacityCalendar } from "../capacity/capacity-calendar.ts";
import { DemandCurve } from "../demand/demand-curve.ts";
import type { CapacityWindow, Scenario } from "../scenario/types.ts";
import { AlbMetrics } from "./alb-metrics.ts";
import { HorizontalAutoscaler } from "./autoscaler.ts";
import { IngressObject, ScaledObjectObject } from "./cluster-objects.ts";
import { type CapacityError, Karpenter } from "./karpenter.ts";
import { LatencyModel } from "./latency-model.ts";
import { LoadBalancerModel } from "./load-balancer.ts";
import { routeDemand } from "./routing.ts";
import type { StepRecord, UnitStep } from "./step-record.ts";
import { UnitPods } from "./unit-pods.ts";
import { serveStep } from "./unit-queue.ts";

/** One EC2 Spot Instance Interruption Warning, as the EventBridge event carries it (and the instance behind it). */
export interface SpotWarning {
  readonly at: EpochMs;
  readonly instanceId: string;
  readonly instanceType: string;
  readonly zone: string | null;
  readonly unit: string;
}

/** How a policy's run begins: the Ingress annotations, each unit's KEDA target and pods, all ready. */
export interface InitialState {
  readonly annotations: Readonly<Record<string, string>>;
  readonly kedaTargets: Readonly<Record<string, string>>;
  readonly pods: Readonly<Record<string, number>>;
  /** False when the policy sets replicas itself (the oracle): KEDA then does nothing. */
  readonly autoscaling: boolean;
}

/**
 * The simulated world one policy runs in: demand, the ALB and its controller, each unit's
 * Deployment, KEDA/HPA, Karpenter and EC2 capacity, CloudWatch and the bill. Each step is
 * `beginStep` (capacity, pods, Karpenter, the ALB catching up), then the policy acts, then
 * `serveStep` (the step's traffic) and `autoscale` (KEDA at the step's end). Everything is
 * deterministic: the same scenario gives the same run.
 */
export class EnvironmentModel {
  readonly scenario: Scenario;
  readonly service: InferenceService;
  readonly demand: DemandCurve;
  readonly calendar: CapacityCalendar;
  readonly latency: LatencyModel;
  readonly metrics: AlbMetrics;
  readonly ingress: IngressObject;
  readonly alb: LoadBalancerModel;
  readonly deployments: ReadonlyMap<string, UnitPods>;
  readonly scaledObjects: ReadonlyMap<string, ScaledObjectObject>;
  /** Every failed launch so far, oldest first (Karpenter's events; CloudTrail's CreateFleet errors). */
  readonly capacityErrors: CapacityError[] = [];
  readonly autoscaling: boolean;
  readonly #karpenter: Karpenter;
  readonly #autoscalers = new Map<string, HorizontalAutoscaler>();
  readonly #queues = new Map<string, number>();
  readonly #arrivals = new Map<string, { at: EpochMs; rps: number }[]>();
  readonly #capacityListeners: ((error: CapacityError) => void)[] = [];
  readonly #warningListeners: ((warning: SpotWarning) => void)[] = [];
  /** Every Spot interruption warning so far, oldest first. */
  readonly spotWarnings: SpotWarning[] = [];
  #lossesCheckedUntil: EpochMs;
  #warningsCheckedUntil: EpochMs;
  #lastAutoscale: EpochMs = Number.NEGATIVE_INFINITY;
  #extraCostUsd = 0;

  constructor(scenario: Scenario, initial: InitialState) {
    this.scenario = scenario;
    this.service = scenario.service;
    this.demand = new DemandCurve(scenario.demand, scenario.noise, scenario.start, scenario.end);
    this.calendar = new CapacityCalendar(scenario.capacity);
    this.latency = new LatencyModel(scenario.latency, scenario.service.slo.statistic);
    this.metrics = new AlbMetrics(this.latency, scenario.cloudwatch.publishDelayMs, scenario.cloudwatch.gaps);
    this.autoscaling = initial.autoscaling;
    this.#karpenter = new Karpenter(
      this.calendar,
      (type) => this.startupMs(type),
      scenario.karpenter.offeringCacheMs,
    );
    this.#lossesCheckedUntil = scenario.start;
    this.#warningsCheckedUntil = scenario.start;
    // The Ingress's one rule: the service's action (backend port use-annotation).
    this.ingress = new IngressObject(
      this.service.namespace,
      this.service.ingress,
      initial.annotations,
      [{ service: this.service.action, port: USE_ANNOTATION }],
      scenario.start,
    );
    this.alb = new LoadBalancerModel(this.service, this.ingress, scenario.alb.ruleLagMs, scenario.start);
    const deployments = new Map<string, UnitPods>();
    const scaledObjects = new Map<string, ScaledObjectObject>();
    for (const unit of this.service.units) {
      const pods = initial.pods[unit.name] ?? unit.minReplicaCount;
      const deployment = new UnitPods(unit, pods);
      deployment.addReadyPods(pods, scenario.start, scenario.start);
      deployments.set(unit.name, deployment);
      scaledObjects.set(
        unit.name,
        new ScaledObjectObject(
          unit.scaledObject,
          initial.kedaTargets[unit.name] ?? String(unit.maxRps),
          unit,
        ),
      );
      this.#autoscalers.set(unit.name, new HorizontalAutoscaler(scenario.keda));
      this.#queues.set(unit.name, 0);
      this.#arrivals.set(unit.name, []);
    }
    this.deployments = deployments;
    this.scaledObjects = scaledObjects;
  }

  /** Node launch, image pull and model load of a pod on `instanceType`. */
  startupMs(instanceType: string): number {
    return this.scenario.podStartup.byInstanceType[instanceType] ?? this.scenario.podStartup.defaultMs;
  }

  unitOf(name: string): DeploymentUnit {
    const unit = this.service.units.find((u) => u.name === name);
    if (unit === undefined) {
      throw new Error(`service ${this.service.name} has no unit ${name}`);
    }
    return unit;
  }

  /** Called for every failed launch, when it happens (CloudTrail's EventBridge rule listens here). */
  onCapacityError(listener: (error: CapacityError) => void): void {
    this.#capacityListeners.push(listener);
  }

  /** Called for every Spot interruption warning, when EC2 sends it (the EventBridge rule listens here). */
  onSpotWarning(listener: (warning: SpotWarning) => void): void {
    this.#warningListeners.push(listener);
  }

  /** Tells the ALB model the Ingress changed (the Load Balancer Controller's watch). */
  ingressChanged(): void {
    this.alb.watch(this.ingress);
  }

  /** An oracle's pods: ready at `at`, billed from `launchedAt` as if started ahead of time, where they can run. */
  addPrestartedPods(
    unit: string,
    count: number,
    at: EpochMs,
    launchedAt: EpochMs,
    placed: Parameters<UnitPods["addReadyPods"]>[3] = null,
  ): void {
    const deployment = this.deployments.get(unit);
    if (deployment === undefined || count <= 0) {
      return;
    }
    deployment.replicas += count;
    deployment.addReadyPods(count, at, launchedAt, placed);
    this.#extraCostUsd += (count * podHourlyPrice(this.unitOf(unit)) * (at - launchedAt)) / HOUR;
  }

  /** Spot warnings, capacity windows opening, pods becoming ready, Karpenter launching nodes, the ALB catching up. */
  beginStep(at: EpochMs): void {
    for (const window of this.calendar.warningsBetween(this.#warningsCheckedUntil, at + 1)) {
      this.#warn(window, window.from - (window.warningLeadMs ?? 0));
    }
    this.#warningsCheckedUntil = at + 1;
    for (const window of this.calendar.podLossesBetween(this.#lossesCheckedUntil, at + 1)) {
      for (const deployment of this.deployments.values()) {
        deployment.lose(window, at);
      }
    }
    this.#lossesCheckedUntil = at + 1;
    for (const deployment of this.deployments.values()) {
      deployment.promote(at);
    }
    for (const error of this.#karpenter.provision(at, [...this.deployments.values()])) {
      this.capacityErrors.push(error);
      for (const listener of this.#capacityListeners) {
        listener(error);
      }
    }
    this.alb.watch(this.ingress);
    this.alb.reconcile(at);
  }

  /**
   * EC2's Spot Instance Interruption Warning for each Spot instance the window will take,
   * `warningLeadMs` before it does (EC2 User Guide, "Spot Instance interruption notices":
   * two minutes; one event per instance). The pods keep serving until the window opens:
   * with Karpenter's interruption queue they would be drained at once instead, which the
   * controller answers the same way (it moves the traffic off them on the warning).
   * Karpenter also marks the offering unavailable for 3 minutes on a warning
   * (aws/karpenter-provider-aws v1.14 pkg/controllers/interruption); that is left out
   * here: the recreated pods then try the offering when the window opens and fail, which
   * is the insufficient-capacity launch failure Karpenter logs for an offering it has
   * cached ("all requested instance types were unavailable during launch"), at the same time.
   */
  #warn(window: CapacityWindow, at: EpochMs): void {
    for (const deployment of this.deployments.values()) {
      for (const pod of deployment.warnedBy(window)) {
        const offering = pod.offering ?? { zone: null, capacityType: "spot" as const };
        const warning: SpotWarning = {
          at,
          instanceId: `i-${pod.id.toString(16).padStart(17, "0")}`,
          instanceType: window.instanceType,
          zone: offering.zone,
          unit: deployment.unit.name,
        };
        this.spotWarnings.push(warning);
        for (const listener of this.#warningListeners) {
          listener(warning);
        }
      }
    }
  }

  /** The traffic of [at, at + step): routing, latency, failures, CloudWatch data and cost. */
  serveStep(at: EpochMs): StepRecord {
    const seconds = this.scenario.stepMs / SECOND;
    const demandRps = this.demand.rpsAt(at);
    const rule = this.alb.rule;
    const ready = new Map([...this.deployments].map(([name, d]) => [name, d.count("ready")]));
    const servingShare = new Map(
      [...rule.weights.keys()].map((name) => {
        const from = this.alb.servingFrom(name);
        return [name, from === null ? 0 : (at + this.scenario.stepMs - from) / this.scenario.stepMs];
      }),
    );
    const routed = routeDemand(demandRps, rule, this.service, ready, servingShare);

    const units: UnitStep[] = [];
    const served = new Map<string, { p95Ms: number; failedShare: number }>();
    for (const unit of this.service.units) {
      const deployment = this.deployments.get(unit.name) as UnitPods;
      const rps = routed.unitRps.get(unit.name) ?? 0;
      const pods = ready.get(unit.name) ?? 0;
      let p95Ms: number | null = null;
      let failed = 0;
      if (pods > 0 && rps > 0) {
        const step = serveStep(this.latency, unit, pods, rps, this.#queues.get(unit.name) ?? 0, seconds);
        this.#queues.set(unit.name, step.queueAfter);
        p95Ms = step.p95Ms;
        failed = step.failed;
        served.set(unit.name, {
          p95Ms,
          failedShare: step.requests > 0 ? Math.min(1, step.failed / step.requests) : 0,
        });
      } else {
        this.#queues.set(unit.name, 0);
      }
      const history = this.#arrivals.get(unit.name) as { at: EpochMs; rps: number }[];
      history.push({ at, rps });
      while ((history[0]?.at ?? at) < at - this.scenario.keda.metricWindowMs - this.scenario.stepMs) {
        history.shift();
      }
      units.push({
        name: unit.name,
        rps,
        requests: rps * seconds,
        failed,
        p95Ms,
        readyPods: pods,
        billedPods: deployment.billed(),
        pendingPods: deployment.count("pending"),
        replicas: deployment.replicas,
        minReplicas: this.scaledObjects.get(unit.name)?.minReplicaCount() ?? unit.minReplicaCount,
        weight: weightReaching(rule.weights, this.service, unit),
        hourlyCost: deployment.billedHourlyCost(),
      });
    }

    for (const [group, split] of routed.byTargetGroup) {
      for (const [unit, rps] of split) {
        const result = served.get(unit);
        if (result !== undefined) {
          const requests = rps * seconds;
          this.metrics.recordRequests(at, group, requests, requests * result.failedShare, result.p95Ms);
        }
      }
    }
    for (const [group, healthy] of routed.healthyHosts) {
      this.metrics.recordHealthy(at, group, healthy);
    }
    const elbFailed = [...routed.elbFailedRps.values()].reduce((sum, rps) => sum + rps, 0) * seconds;
    this.metrics.recordElb5xx(at, elbFailed);

    const extra = this.#extraCostUsd;
    this.#extraCostUsd = 0;
    const hourlyCost = units.reduce((sum, u) => sum + u.hourlyCost, 0);
    return {
      at,
      demandRps,
      mode: rule.mode,
      units,
      elbFailed,
      costUsd: (hourlyCost * seconds) / 3600 + extra,
      hourlyCost,
    };
  }

  /** KEDA/HPA at the end of a step: each unit's replicas from its metric and its ScaledObject's target. */
  autoscale(at: EpochMs): void {
    if (!this.autoscaling || at - this.#lastAutoscale < this.scenario.keda.pollingMs) {
      return;
    }
    this.#lastAutoscale = at;
    for (const unit of this.service.units) {
      const deployment = this.deployments.get(unit.name) as UnitPods;
      // KEDA's paused-replicas: the workload is scaled to the count and autoscaling stops.
      // KEDA deletes the HPA while paused (B5 in docs/simulator.md): its history is gone, and
      // the HPA made again when the pause is removed starts from what the metric says then.
      const autoscaler = this.#autoscalers.get(unit.name) as HorizontalAutoscaler;
      const paused = this.scaledObjects.get(unit.name)?.pausedReplicas() ?? null;
      if (paused !== null) {
        autoscaler.forget();
        if (paused !== deployment.replicas) {
          deployment.scaleTo(paused, at);
        }
        continue;
      }
      const window = (this.#arrivals.get(unit.name) ?? []).filter(
        (a) => a.at >= at - this.scenario.keda.metricWindowMs,
      );
      // The trigger reads CloudWatch: a newest minute in a gap has no datapoint, which
      // reads as 0 (ignoreNullValues, KEDA's default) or is an error (the HPA holds).
      const newest = Math.floor((at - this.scenario.stepMs) / MINUTE) * MINUTE;
      const metric = this.metrics.inGap(newest)
        ? this.scenario.keda.ignoreNullValues
          ? 0
          : null
        : window.length === 0
          ? 0
          : window.reduce((sum, a) => sum + a.rps, 0) / window.length;
      const scaledObject = this.scaledObjects.get(unit.name);
      const target = Number(scaledObject?.target() ?? Number.NaN);
      const desired = autoscaler.desiredReplicas({
        at,
        current: deployment.replicas,
        metric,
        target,
        // The ScaledObject's bounds, as KEDA writes them into the HPA: a forecast floor
        // raises minReplicaCount there.
        min: scaledObject?.minReplicaCount() ?? unit.minReplicaCount,
        max: unit.maxReplicaCount,
      });
      if (desired !== deployment.replicas) {
        deployment.scaleTo(desired, at);
      }
    }
  }
}

/** The weight that reaches a unit: its own Service's, or the consolidated Service's share per pod. */
function weightReaching(
  weights: ReadonlyMap<string, number>,
  service: InferenceService,
  unit: DeploymentUnit,
): number {
  const own = weights.get(unit.service.name) ?? 0;
  const consolidated =
    service.consolidatedService === undefined ? 0 : (weights.get(service.consolidatedService.name) ?? 0);
  return Math.max(own, consolidated);
}
