/**
 * Turns GetMetricData series into the window's MetricsSnapshot. CloudWatch reports nothing
 * for a minute without requests, and no datapoint is not zero: a missing count is 0 (no
 * traffic), a missing latency or healthy-host count is null (unknown).
 */
import type { CapacitySignal, EpochMs, ServiceMetrics, UnitMinute } from "@switchyard/core";
import { SECOND } from "@switchyard/core";
import type { MetricsRequest, MetricsSnapshot } from "@switchyard/core/ports";
import { CAPACITY_METRIC } from "./cloudwatch-capacity-metric.ts";
import { PERIOD_SECONDS, type QueryPlan, type SeriesRole, type UnitField } from "./cloudwatch-query-plan.ts";

/** One datapoint's period: a minute. */
const PERIOD_MS = PERIOD_SECONDS * SECOND;

/** Per query id: value per minute (the datapoint's timestamp, the start of its period). */
type SeriesByQuery = ReadonlyMap<string, ReadonlyMap<EpochMs, number>>;

/**
 * The whole minutes of [start, end): from the minute holding `start` (CloudWatch rounds the
 * start down to the period) to the last minute that ends by `end`, so a minute still being
 * filled is never reported.
 */
function windowMinutes(start: EpochMs, end: EpochMs): EpochMs[] {
  const minutes: EpochMs[] = [];
  for (let at = Math.floor(start / PERIOD_MS) * PERIOD_MS; at + PERIOD_MS <= end; at += PERIOD_MS)
    minutes.push(at);
  return minutes;
}

/** TargetResponseTime is in seconds; rounded to the microsecond so 0.123 s reads 123 ms. */
function milliseconds(seconds: number | undefined): number | null {
  return seconds === undefined ? null : Math.round(seconds * 1_000_000) / 1000;
}

const unitKey = (service: string, unit: string, field: UnitField): string =>
  `${service}\u0000${unit}\u0000${field}`;

export function buildSnapshot(
  request: MetricsRequest,
  plan: QueryPlan,
  series: SeriesByQuery,
): MetricsSnapshot {
  const minutes = windowMinutes(request.start, request.end);
  const unitSeries = new Map<string, ReadonlyMap<EpochMs, number>>();
  const consolidatedSeries = new Map<string, ReadonlyMap<EpochMs, number>>();
  const elbSeries = new Map<string, ReadonlyMap<EpochMs, number>>();
  const capacitySeries = new Map<string, ReadonlyMap<EpochMs, number>>();
  const detailSeries: {
    role: Extract<SeriesRole, { kind: "capacity-detail" }>;
    values: ReadonlyMap<EpochMs, number>;
  }[] = [];
  for (const [id, roles] of plan.roles) {
    const values = series.get(id) ?? new Map<EpochMs, number>();
    for (const role of roles) {
      if (role.kind === "unit") unitSeries.set(unitKey(role.service, role.unit, role.field), values);
      else if (role.kind === "consolidated")
        consolidatedSeries.set(unitKey(role.service, "", role.field), values);
      else if (role.kind === "elb5xx") elbSeries.set(role.loadBalancer, values);
      else if (role.kind === "capacity") capacitySeries.set(role.instanceType, values);
      else detailSeries.push({ role, values });
    }
  }

  const services: Record<string, ServiceMetrics> = {};
  for (const service of request.services) {
    const rows = (series: Map<string, ReadonlyMap<EpochMs, number>>, unit: string): UnitMinute[] => {
      const value = (field: UnitField, at: EpochMs) =>
        series.get(unitKey(service.service, unit, field))?.get(at);
      return minutes.map((at) => ({
        at,
        requests: value("requests", at) ?? 0,
        count2xx: value("count2xx", at) ?? 0,
        count5xx: value("count5xx", at) ?? 0,
        latencyMs: milliseconds(value("latencyMs", at)),
        latencyAvgMs: milliseconds(value("latencyAvgMs", at)),
        healthyHosts: value("healthyHosts", at) ?? null,
      }));
    };
    const units: Record<string, readonly UnitMinute[]> = {};
    for (const unit of Object.keys(service.targetGroups)) {
      units[unit] = rows(unitSeries, unit);
    }
    const elb = elbSeries.get(service.loadBalancer);
    services[service.service] = {
      units,
      consolidated: service.consolidatedTargetGroup === null ? null : rows(consolidatedSeries, ""),
      elb5xx: minutes.map((at) => ({ at, count: elb?.get(at) ?? 0 })),
    };
  }

  const capacityErrors: CapacitySignal[] = [];
  for (const instanceType of new Set(request.instanceTypes)) {
    const values = capacitySeries.get(instanceType);
    const details = detailSeries.filter((d) => d.role.instanceType === instanceType);
    for (const at of minutes) {
      const total = values?.get(at) ?? 0;
      if (total <= 0) continue;
      // The part of the minute's count the detail set says (its capacity type, its zone);
      // what is left was recorded without either.
      let detailed = 0;
      for (const { role, values: detail } of details) {
        const count = detail.get(at) ?? 0;
        if (count <= 0) continue;
        detailed += count;
        capacityErrors.push({
          instanceType,
          at,
          source: "recorded-metric",
          code: CAPACITY_METRIC.readBackCode,
          count,
          ...(role.zone === CAPACITY_METRIC.unknown ? {} : { availabilityZone: role.zone }),
          ...(role.capacityType === "spot" || role.capacityType === "on-demand"
            ? { capacityType: role.capacityType }
            : {}),
          detail: `${CAPACITY_METRIC.namespace}/${CAPACITY_METRIC.metricName} {${CAPACITY_METRIC.instanceTypeDimension}=${instanceType}, ${CAPACITY_METRIC.capacityTypeDimension}=${role.capacityType}, ${CAPACITY_METRIC.availabilityZoneDimension}=${role.zone}} Sum for the minute`,
        });
      }
      const count = total - detailed;
      if (count <= 0) continue;
      capacityErrors.push({
        instanceType,
        at,
        source: "recorded-metric",
        code: CAPACITY_METRIC.readBackCode,
        count,
        detail: `${CAPACITY_METRIC.namespace}/${CAPACITY_METRIC.metricName} {${CAPACITY_METRIC.instanceTypeDimension}=${instanceType}} Sum for the minute; the codes are on the {${CAPACITY_METRIC.instanceTypeDimension}, ${CAPACITY_METRIC.errorCodeDimension}} set`,
      });
    }
  }
  return { services, capacityErrors };
}
