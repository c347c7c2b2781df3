import { Metrics } from "@aws-lambda-powertools/metrics";
import type { EvaluationReport } from "@switchyard/controller";
import { replicaFloors } from "@switchyard/core";
import { dashboardBody, SWITCHYARD_METRIC_NAMESPACE } from "@switchyard/core/deploy";
import { afterEach, describe, expect, it, vi } from "vitest";
import { publishEvaluationMetrics } from "../../../functions/shared/evaluation-metrics.ts";
import { CAPACITY_METRIC } from "../../../packages/adapters/src/aws/cloudwatch-capacity-metric.ts";
import { calmSignals, state, T0 } from "../../support/decision-fixtures.ts";
import { sd21Config } from "../../support/sd21.ts";

type MetricRow = (string | Record<string, unknown>)[];
interface Widget {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly properties: { readonly title: string; readonly metrics: MetricRow[][] | MetricRow[] };
}

const widgets = (): Widget[] => (JSON.parse(dashboardBody(sd21Config())) as { widgets: Widget[] }).widgets;

/** Each plotted metric as `Namespace Name Dim=Value ...`. */
function plotted(): Set<string> {
  return new Set(
    widgets().flatMap((w) =>
      (w.properties.metrics as MetricRow[]).flatMap((row) => {
        const strings = row.filter((x): x is string => typeof x === "string");
        if (strings.length === 0) return [];
        const [namespace, name, ...dims] = strings;
        const pairs = [];
        for (let i = 0; i < dims.length; i += 2) pairs.push(`${dims[i]}=${dims[i + 1]}`);
        return [`${namespace} ${name} ${pairs.sort().join(" ")}`];
      }),
    ),
  );
}

/** The EMF lines evaluate writes for one evaluation, as `Namespace Name Dim=Value ...`. */
function emitted(): Set<string> {
  const lines: string[] = [];
  const write = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    lines.push(String(chunk));
    return true;
  });
  const report = {
    at: T0,
    trigger: "schedule",
    recorded: [],
    launchBlocks: [],
    ignored: [],
    services: [
      {
        service: "sd21",
        decision: {
          kind: "failover",
          mode: "capacity",
          demandRps: 300,
          conditions: { "sd21-inf2": { unavailable: "no-capacity" } },
        },
        weights: Object.fromEntries(sd21Config().services[0]?.units.map((u) => [u.name, 20]) ?? []),
        execution: { started: true, name: "sd21-failover-202511211200" },
        skippedForRunning: null,
        floors: replicaFloors(state(), calmSignals(), null, T0),
        floorChanges: [],
      },
    ],
  } as unknown as EvaluationReport;
  const previous = process.env.POWERTOOLS_METRICS_DISABLED;
  process.env.POWERTOOLS_METRICS_DISABLED = "false";
  try {
    publishEvaluationMetrics(
      new Metrics({ namespace: SWITCHYARD_METRIC_NAMESPACE, serviceName: "switchyard" }),
      report,
      sd21Config().cluster.name,
    );
  } finally {
    write.mockRestore();
    if (previous === undefined) delete process.env.POWERTOOLS_METRICS_DISABLED;
    else process.env.POWERTOOLS_METRICS_DISABLED = previous;
  }
  return new Set(
    lines.flatMap((line) => {
      const emf = JSON.parse(line) as Record<string, unknown> & {
        _aws: {
          CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[];
        };
      };
      return emf._aws.CloudWatchMetrics.flatMap((set) =>
        set.Metrics.map((metric) => {
          // Powertools adds its `service` dimension; the dashboard plots the domain ones.
          const dims = (set.Dimensions[0] ?? [])
            .filter((d) => d !== "service")
            .map((d) => `${d}=${String(emf[d])}`);
          return `${set.Namespace} ${metric.Name} ${dims.sort().join(" ")}`;
        }),
      );
    }),
  );
}

describe("Dashboard: dashboardBody", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("plots every metric the evaluate function emits, with the same dimensions", () => {
    const shown = plotted();
    const metrics = emitted();
    expect(metrics.size).toBeGreaterThanOrEqual(15);
    expect(metrics).toContain("Switchyard ForecastRps Cluster=hw-agnostic-infer Service=sd21");
    expect(metrics).toContain(
      "Switchyard ReplicaFloor Cluster=hw-agnostic-infer Service=sd21 Unit=sd21-inf2",
    );
    for (const metric of metrics) {
      expect(shown, metric).toContain(metric);
    }
  });

  it("selects every Switchyard series by the cluster's name: another cluster's stack writes the same namespace", () => {
    const ours = [...plotted()].filter((metric) => metric.startsWith(`${SWITCHYARD_METRIC_NAMESPACE} `));
    expect(ours.length).toBeGreaterThan(5);
    for (const metric of ours) {
      expect(metric).toContain(" Cluster=hw-agnostic-infer");
    }
  });

  it("plots capacity errors of every configured instance type as the recorder writes them", () => {
    const shown = plotted();
    for (const type of ["inf2.xlarge", "trn1.2xlarge", "g5.xlarge", "g6.xlarge"]) {
      expect(shown).toContain(
        `${CAPACITY_METRIC.namespace} ${CAPACITY_METRIC.metricName} ${CAPACITY_METRIC.clusterDimension}=hw-agnostic-infer ${CAPACITY_METRIC.instanceTypeDimension}=${type}`,
      );
    }
  });

  it("plots p95 latency of the service's ALB target groups against its SLO, and switches by move", () => {
    const titles = widgets().map((w) => w.properties.title);
    expect(titles).toEqual([
      "EC2 capacity errors by instance type",
      "sd21: mode (0 cost, 1 capacity)",
      "sd21: ALB weight per unit",
      "sd21: p95 latency per target group (s)",
      "sd21: demand, forecast and units without capacity",
      "sd21: forecast floor (pods) per unit",
      "sd21: mode switches started",
    ]);
    const latency = JSON.stringify(widgets()[3]);
    expect(latency).toContain(
      `SEARCH('{AWS/ApplicationELB,LoadBalancer,TargetGroup} MetricName=\\"TargetResponseTime\\" k8s default sd21', 'p95', 60)`,
    );
    expect(latency).toContain('"value":0.9');
    for (const move of ["failover", "fallback", "rebalance", "reroute", "repair"]) {
      expect(plotted()).toContain(`Switchyard Switches Cluster=hw-agnostic-infer Move=${move} Service=sd21`);
    }
  });

  it.each([
    ["p99", "p99"],
    ["average", "Average"],
  ])("plots latency at the SLO's statistic %s, the one the SLO line is drawn for", (statistic, stat) => {
    const config = sd21Config();
    const service = config.services[0];
    if (service === undefined) throw new Error("examples/sd21/switchyard.yaml has no service");
    const body = JSON.parse(
      dashboardBody({
        ...config,
        services: [{ ...service, slo: { ...service.slo, statistic: statistic as "p99" | "average" } }],
      }),
    ) as { widgets: Widget[] };
    const latency = body.widgets[3];
    expect(latency?.properties.title).toBe(`sd21: ${statistic} latency per target group (s)`);
    expect(JSON.stringify(latency)).toContain(`k8s default sd21', '${stat}', 60)`);
    expect(JSON.stringify(latency)).toContain(`"label":"SLO ${statistic}"`);
  });

  it("lays the widgets out on the 24-column grid without overlap", () => {
    const cells = new Set<string>();
    for (const w of widgets()) {
      expect(w.x + w.width).toBeLessThanOrEqual(24);
      for (let x = w.x; x < w.x + w.width; x += 1) {
        const cell = `${x},${w.y}`;
        expect(cells.has(cell), cell).toBe(false);
        cells.add(cell);
      }
    }
  });
});
