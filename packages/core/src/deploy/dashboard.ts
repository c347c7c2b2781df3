import type { InferenceService, SwitchyardConfig } from "../config/types.ts";
import { MOVES } from "../decision/types.ts";
import { SECOND } from "../units.ts";
import {
  SWITCHYARD_METRIC_DIMENSIONS as DIMENSION,
  SWITCHYARD_METRICS as METRIC,
  SWITCHYARD_METRIC_NAMESPACE,
} from "./metric-namespace.ts";

/**
 * The CloudWatch dashboard body (the JSON `aws.cloudwatch.Dashboard` takes) for a config:
 * per service its mode, ALB weights per unit, latency per target group at the SLO's
 * statistic against the SLO, demand, and switches by move; and capacity errors by instance type, each
 * metric of this cluster (its `Cluster` dimension). The names are
 * the evaluate function's EMF metrics (functions/shared/evaluation-metrics.ts) and the
 * capacity recorder's metric (packages/adapters/src/aws/cloudwatch-capacity-metric.ts).
 */

const NS = SWITCHYARD_METRIC_NAMESPACE;
const WIDTH = 8;
const HEIGHT = 6;

type MetricRow = readonly (string | { readonly [key: string]: string | number })[];

interface Widget {
  readonly type: "metric";
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly properties: Readonly<Record<string, unknown>>;
}

function metricWidget(
  region: string,
  title: string,
  metrics: readonly MetricRow[],
  extra: Readonly<Record<string, unknown>> = {},
): Omit<Widget, "x" | "y"> {
  return {
    type: "metric",
    width: WIDTH,
    height: HEIGHT,
    properties: { title, region, view: "timeSeries", period: 60, metrics, ...extra },
  };
}

/** The Load Balancer Controller names an Ingress's ALB `k8s-<namespace:8>-<ingress:8>-<hash>`, alphanumerics only. */
function albNameTokens(service: InferenceService): string {
  const part = (text: string) => text.replace(/[^A-Za-z0-9]/g, "").slice(0, 8);
  return `k8s ${part(service.namespace)} ${part(service.ingress)}`;
}

function serviceWidgets(
  region: string,
  cluster: string,
  service: InferenceService,
): Omit<Widget, "x" | "y">[] {
  const name = service.name;
  return [
    metricWidget(region, `${name}: mode (0 cost, 1 capacity)`, [
      [
        NS,
        METRIC.capacityMode,
        DIMENSION.cluster,
        cluster,
        DIMENSION.service,
        name,
        { stat: "Maximum", label: "mode" },
      ],
    ]),
    metricWidget(
      region,
      `${name}: ALB weight per unit`,
      service.units.map((unit) => [
        NS,
        METRIC.weight,
        DIMENSION.cluster,
        cluster,
        DIMENSION.service,
        name,
        DIMENSION.unit,
        unit.name,
        { stat: "Average", label: unit.name },
      ]),
      { stacked: true },
    ),
    metricWidget(
      region,
      `${name}: ${service.slo.statistic} latency per target group (s)`,
      [
        [
          {
            expression: `SEARCH('{AWS/ApplicationELB,LoadBalancer,TargetGroup} MetricName="TargetResponseTime" ${albNameTokens(service)}', '${service.slo.statistic === "average" ? "Average" : service.slo.statistic}', 60)`,
            id: "latency",
            label: "",
          },
        ],
      ],
      {
        annotations: {
          horizontal: [{ label: `SLO ${service.slo.statistic}`, value: service.slo.latencyMs / SECOND }],
        },
      },
    ),
    metricWidget(region, `${name}: demand and units without capacity`, [
      [
        NS,
        METRIC.demandRps,
        DIMENSION.cluster,
        cluster,
        DIMENSION.service,
        name,
        { stat: "Average", label: "demand (RPS)" },
      ],
      [
        NS,
        METRIC.unitsWithoutCapacity,
        DIMENSION.cluster,
        cluster,
        DIMENSION.service,
        name,
        { stat: "Maximum", label: "units without capacity", yAxis: "right" },
      ],
    ]),
    metricWidget(
      region,
      `${name}: mode switches started`,
      MOVES.map((move) => [
        NS,
        METRIC.switches,
        DIMENSION.cluster,
        cluster,
        DIMENSION.service,
        name,
        DIMENSION.move,
        move,
        { stat: "Sum", label: move },
      ]),
      { view: "bar", period: 3600 },
    ),
  ];
}

export function dashboardBody(config: SwitchyardConfig): string {
  const region = config.cluster.region;
  // Another cluster's stack in this account and Region writes the same namespace.
  const cluster = config.cluster.name;
  const instanceTypes = [
    ...new Set(config.services.flatMap((s) => s.units.flatMap((u) => u.instanceTypes))),
  ].sort();
  const rows: Omit<Widget, "x" | "y">[][] = [
    [
      metricWidget(
        region,
        "EC2 capacity errors by instance type",
        instanceTypes.map((type) => [
          NS,
          METRIC.capacityErrors,
          DIMENSION.cluster,
          cluster,
          DIMENSION.instanceType,
          type,
          { stat: "Sum", label: type },
        ]),
        { view: "bar", period: 300 },
      ),
    ],
    ...config.services.map((service) => serviceWidgets(region, cluster, service)),
  ];
  const perRow = 24 / WIDTH;
  const widgets: Widget[] = [];
  let y = 0;
  for (const row of rows) {
    row.forEach((widget, i) => {
      widgets.push({ ...widget, x: (i % perRow) * WIDTH, y: y + Math.floor(i / perRow) * HEIGHT });
    });
    y += Math.ceil(row.length / perRow) * HEIGHT;
  }
  return JSON.stringify({ widgets });
}
