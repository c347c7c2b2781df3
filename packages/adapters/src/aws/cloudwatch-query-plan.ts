/**
 * The GetMetricData queries for one evaluation window: every unit's target-group metrics,
 * each load balancer's ELB 5XX count and each instance type's recorded capacity errors.
 * Query ids are built from indexes (CloudWatch wants `^[a-z][a-zA-Z0-9_]*$`, which unit
 * and instance-type names do not satisfy) and mapped back to what they measure.
 */
import type { Dimension, MetricDataQuery } from "@aws-sdk/client-cloudwatch";
import type { UnitMinute } from "@switchyard/core";
import type { MetricsRequest } from "@switchyard/core/ports";
import { CAPACITY_METRIC } from "./cloudwatch-capacity-metric.ts";

export const PERIOD_SECONDS = 60;
const ALB_NAMESPACE = "AWS/ApplicationELB";

export type UnitField = Exclude<keyof UnitMinute, "at">;

/** What a query's values mean; one query can serve several (an `average` SLO is also the average latency). */
export type SeriesRole =
  | { readonly kind: "unit"; readonly service: string; readonly unit: string; readonly field: UnitField }
  | { readonly kind: "consolidated"; readonly service: string; readonly field: UnitField }
  | { readonly kind: "elb5xx"; readonly loadBalancer: string }
  | { readonly kind: "capacity"; readonly instanceType: string }
  | {
      readonly kind: "capacity-detail";
      readonly instanceType: string;
      readonly capacityType: string;
      readonly zone: string;
    };

export interface QueryPlan {
  readonly queries: readonly MetricDataQuery[];
  /** Per query id. */
  readonly roles: ReadonlyMap<string, readonly SeriesRole[]>;
}

interface UnitMetric {
  readonly field: UnitField;
  readonly metricName: string;
  /** Short and id-safe. */
  readonly tag: string;
  readonly stat: (sloStatistic: string) => string;
}

/**
 * Four queries per unit, what `decide` reads: demand, successes, failures and latency at
 * the SLO's statistic. GetMetricData takes 500 queries a call, so 100 units (400) and
 * their load balancers and instance types fit one call; the average latency and
 * HealthyHostCount would make it six per unit and two calls. Unhealthy units are read
 * from the cluster instead (pods desired, none ready); the dashboard graphs the rest.
 */
const UNIT_METRICS: readonly UnitMetric[] = [
  { field: "requests", metricName: "RequestCount", tag: "req", stat: () => "Sum" },
  { field: "count2xx", metricName: "HTTPCode_Target_2XX_Count", tag: "t2xx", stat: () => "Sum" },
  { field: "count5xx", metricName: "HTTPCode_Target_5XX_Count", tag: "t5xx", stat: () => "Sum" },
  { field: "latencyMs", metricName: "TargetResponseTime", tag: "lat", stat: (slo) => slo },
];

/**
 * The CloudWatch statistic for a service's latency statistic: `average` is `Average`;
 * percentiles (`p95`, `p99.9`) are already CloudWatch's spelling. Anything else goes
 * through as written and CloudWatch's refusal names it.
 */
function cloudWatchStatistic(latencyStatistic: string): string {
  return latencyStatistic.toLowerCase() === "average" ? "Average" : latencyStatistic;
}

/** Builds the deduplicated queries of a request, in a stable order. */
export function planMetricQueries(request: MetricsRequest, cluster: string): QueryPlan {
  const queries: MetricDataQuery[] = [];
  const roles = new Map<string, SeriesRole[]>();
  const idByMetric = new Map<string, string>();

  const add = (
    id: string,
    namespace: string,
    metricName: string,
    dimensions: Dimension[],
    stat: string,
    role: SeriesRole,
  ) => {
    const key = JSON.stringify([namespace, metricName, dimensions, stat]);
    const existing = idByMetric.get(key);
    if (existing !== undefined) {
      roles.get(existing)?.push(role);
      return;
    }
    idByMetric.set(key, id);
    roles.set(id, [role]);
    queries.push({
      Id: id,
      MetricStat: {
        Metric: { Namespace: namespace, MetricName: metricName, Dimensions: dimensions },
        Period: PERIOD_SECONDS,
        Stat: stat,
      },
      ReturnData: true,
    });
  };

  const loadBalancers = [...new Set(request.services.map((s) => s.loadBalancer))];
  // The consolidated Service's group carries every request in capacity mode: demand and
  // latency are read from it (two queries a service, still one call for 100 units).
  const consolidatedMetrics = UNIT_METRICS.filter((m) => m.field === "requests" || m.field === "latencyMs");
  request.services.forEach((service, s) => {
    const sloStatistic = cloudWatchStatistic(service.latencyStatistic);
    Object.entries(service.targetGroups).forEach(([unit, targetGroup], u) => {
      // A unit whose target group was not found has no metrics to ask for; it still gets rows.
      if (targetGroup === null) return;
      const dimensions = [
        { Name: "LoadBalancer", Value: service.loadBalancer },
        { Name: "TargetGroup", Value: targetGroup },
      ];
      for (const metric of UNIT_METRICS) {
        add(
          `s${s}_u${u}_${metric.tag}`,
          ALB_NAMESPACE,
          metric.metricName,
          dimensions,
          metric.stat(sloStatistic),
          {
            kind: "unit",
            service: service.service,
            unit,
            field: metric.field,
          },
        );
      }
    });
    if (service.consolidatedTargetGroup !== null) {
      const dimensions = [
        { Name: "LoadBalancer", Value: service.loadBalancer },
        { Name: "TargetGroup", Value: service.consolidatedTargetGroup },
      ];
      for (const metric of consolidatedMetrics) {
        add(
          `s${s}_all_${metric.tag}`,
          ALB_NAMESPACE,
          metric.metricName,
          dimensions,
          metric.stat(sloStatistic),
          {
            kind: "consolidated",
            service: service.service,
            field: metric.field,
          },
        );
      }
    }
  });
  loadBalancers.forEach((loadBalancer, l) => {
    add(
      `lb${l}_elb5xx`,
      ALB_NAMESPACE,
      "HTTPCode_ELB_5XX_Count",
      [{ Name: "LoadBalancer", Value: loadBalancer }],
      "Sum",
      { kind: "elb5xx", loadBalancer },
    );
  });
  request.instanceTypes.forEach((instanceType, t) => {
    add(
      `it${t}_capacity`,
      CAPACITY_METRIC.namespace,
      CAPACITY_METRIC.metricName,
      [
        { Name: CAPACITY_METRIC.clusterDimension, Value: cluster },
        { Name: CAPACITY_METRIC.instanceTypeDimension, Value: instanceType },
      ],
      "Sum",
      { kind: "capacity", instanceType },
    );
  });
  // Units on Spot or with zones: the recorded errors by capacity type and zone, each
  // value named (GetMetricData needs every dimension's value), unknown included.
  (request.detailedTypes ?? []).forEach(({ instanceType, zones }, t) => {
    const zoneValues = [...zones, CAPACITY_METRIC.unknown];
    CAPACITY_METRIC.capacityTypes.forEach((capacityType, c) => {
      zoneValues.forEach((zone, z) => {
        add(
          `dt${t}_c${c}_z${z}`,
          CAPACITY_METRIC.namespace,
          CAPACITY_METRIC.metricName,
          [
            { Name: CAPACITY_METRIC.clusterDimension, Value: cluster },
            { Name: CAPACITY_METRIC.instanceTypeDimension, Value: instanceType },
            { Name: CAPACITY_METRIC.capacityTypeDimension, Value: capacityType },
            { Name: CAPACITY_METRIC.availabilityZoneDimension, Value: zone },
          ],
          "Sum",
          { kind: "capacity-detail", instanceType, capacityType, zone },
        );
      });
    });
  });
  return { queries, roles };
}

/** `AWS/ApplicationELB/TargetResponseTime p95 LoadBalancer=app/x/1 TargetGroup=targetgroup/y/2`, for messages. */
export function describeQuery(query: MetricDataQuery): string {
  const stat = query.MetricStat;
  if (stat === undefined) return query.Id ?? "?";
  const dimensions = (stat.Metric?.Dimensions ?? []).map((d) => `${d.Name}=${d.Value}`).join(" ");
  return `${stat.Metric?.Namespace}/${stat.Metric?.MetricName} ${stat.Stat} ${dimensions}`.trim();
}
