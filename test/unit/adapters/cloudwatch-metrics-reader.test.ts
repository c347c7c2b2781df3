import type { Logger } from "@aws-lambda-powertools/logger";
import {
  CloudWatchClient,
  CloudWatchServiceException,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
  type GetMetricDataCommandOutput,
  type MetricDatum,
  PutMetricDataCommand,
} from "@aws-sdk/client-cloudwatch";
import { CloudWatchCapacityRecorder, CloudWatchMetricsReader } from "@switchyard/adapters";
import type { UnitMinute } from "@switchyard/core";
import type { MetricsRequest, ServiceTargets } from "@switchyard/core/ports";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { MAX_QUERIES_PER_CALL } from "../../../packages/adapters/src/aws/cloudwatch-limits.ts";
import { MetricsUnavailableError } from "../../../packages/adapters/src/errors.ts";
import "../../support/aws-sdk-matchers.ts";

const MINUTE = 60_000;
const START = Date.parse("2025-06-02T14:00:00Z");
/** now − 2 min as the evaluate Lambda computes it: not on a minute boundary. */
const END = START + 5 * MINUTE + 27_500;
const minute = (n: number) => START + n * MINUTE;
const LB = "app/k8s-default-sd21-3f2a9c1b7e/50dc6c495c0c9188";
const tg = (unit: string) =>
  `targetgroup/k8s-default-${unit}-8c2f/${unit.length.toString(16).padStart(16, "0")}`;

function sd21(overrides: Partial<ServiceTargets> = {}): ServiceTargets {
  return {
    service: "sd21",
    loadBalancer: LB,
    targetGroups: {
      "sd21-inf2": tg("sd21-inf2"),
      "sd21-trn1": tg("sd21-trn1"),
      "sd21-g5-triton": tg("sd21-g5-triton"),
      "sd21-g6-triton": tg("sd21-g6-triton"),
      "sd21-g5-cuda": null,
    },
    consolidatedTargetGroup: null,
    latencyStatistic: "p95",
    ...overrides,
  };
}

/** `services` services of 5 units each (an ALB forward action holds at most 5 target groups), on one ALB. */
function manyServices(services: number): ServiceTargets[] {
  return Array.from({ length: services }, (_, s) => ({
    service: `svc-${s}`,
    loadBalancer: LB,
    targetGroups: Object.fromEntries(
      Array.from({ length: 5 }, (_, u) => [
        `svc-${s}-unit.${u}`,
        `targetgroup/k8s-svc${s}-u${u}/0123456789abcdef`,
      ]),
    ),
    consolidatedTargetGroup: null,
    latencyStatistic: "p95",
  }));
}

function request(overrides: Partial<MetricsRequest> = {}): MetricsRequest {
  return {
    services: [sd21()],
    instanceTypes: ["inf2.xlarge", "g5.xlarge"],
    start: START,
    end: END,
    ...overrides,
  };
}

/** A datapoint table for the CloudWatch double: the series of one metric, statistic and dimension set. */
interface Series {
  readonly namespace?: string;
  readonly metricName: string;
  readonly stat: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly points: readonly (readonly [at: number, value: number])[];
}

const sameDimensions = (a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);

/** Answers every query like CloudWatch: the matching series, or no datapoints at all. */
function answer(input: GetMetricDataCommandInput, table: readonly Series[]): GetMetricDataCommandOutput {
  return {
    $metadata: {},
    MetricDataResults: (input.MetricDataQueries ?? []).map((query) => {
      const stat = query.MetricStat;
      const dimensions = Object.fromEntries(
        (stat?.Metric?.Dimensions ?? []).map((d) => [d.Name ?? "", d.Value ?? ""]),
      );
      const series = table.find(
        (s) =>
          (s.namespace ?? "AWS/ApplicationELB") === stat?.Metric?.Namespace &&
          s.metricName === stat?.Metric?.MetricName &&
          s.stat === stat?.Stat &&
          sameDimensions(s.dimensions, dimensions),
      );
      const points = series?.points ?? [];
      return {
        Id: query.Id,
        Label: stat?.Metric?.MetricName,
        Timestamps: points.map(([at]) => new Date(at)),
        Values: points.map(([, value]) => value),
        StatusCode: "Complete",
      };
    }),
  };
}

const unitSeries = (unit: string, metricName: string, stat: string, points: Series["points"]): Series => ({
  metricName,
  stat,
  dimensions: { LoadBalancer: LB, TargetGroup: tg(unit) },
  points,
});

interface LogEntry {
  readonly level: string;
  readonly message: string;
  readonly attributes: Record<string, unknown>;
}

/** The Logger surface the adapters use, recording what they log. */
function recordingLogger(): { logger: Logger; entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const log =
    (level: string) =>
    (message: string, attributes: Record<string, unknown> = {}) => {
      entries.push({ level, message, attributes });
    };
  const logger = { createChild: () => logger, debug: log("debug"), info: log("info"), warn: log("warn") };
  return { logger: logger as unknown as Logger, entries };
}

const sentQueries = (call: { args: readonly unknown[] }) =>
  (call.args[0] as GetMetricDataCommand).input.MetricDataQueries ?? [];

/** The cluster whose stack reads: its name is the `Cluster` dimension of Switchyard's metrics. */
const CLUSTER = "hw-agnostic-infer";

describe("Class: CloudWatchMetricsReader", () => {
  const cloudWatch = mockClient(CloudWatchClient);
  const client = new CloudWatchClient({ region: "us-east-1" });
  const reader = (logger?: Logger) =>
    new CloudWatchMetricsReader(
      logger === undefined ? { client, cluster: CLUSTER } : { client, cluster: CLUSTER, logger },
    );

  afterEach(() => {
    cloudWatch.reset();
  });

  it("declares the IAM action it calls", () => {
    // Assess
    expect(CloudWatchMetricsReader.iamActions).toEqual(["cloudwatch:GetMetricData"]);
  });

  it("reads 100 units, their load balancer and instance types in one GetMetricData call", async () => {
    // Prepare: 20 services × 5 units × 4 metrics + 1 ALB + 5 instance types = 406 queries
    cloudWatch.on(GetMetricDataCommand).callsFake((input) => answer(input, []));
    const types = ["inf2.xlarge", "trn1.2xlarge", "g5.xlarge", "g6.xlarge", "g5.2xlarge"];

    // Act
    await reader().read(request({ services: manyServices(20), instanceTypes: types }));

    // Assess
    expect(cloudWatch).toHaveReceivedCommandTimes(GetMetricDataCommand, 1);
    const queries = sentQueries(cloudWatch.commandCalls(GetMetricDataCommand)[0] ?? { args: [] });
    expect(queries).toHaveLength(406);
    expect(cloudWatch).toHaveReceivedCommandWith(GetMetricDataCommand, {
      StartTime: new Date(START),
      EndTime: new Date(END),
      ScanBy: "TimestampAscending",
    });
    expect(new Set(queries.map((q) => q.MetricStat?.Period))).toEqual(new Set([60]));
  });

  it("splits 150 units (606 queries) into calls of at most 500 and asks for each query once", async () => {
    // Prepare: 30 services × 5 units × 4 metrics + 1 ALB + 5 instance types = 606 queries
    cloudWatch.on(GetMetricDataCommand).callsFake((input) => answer(input, []));
    const types = ["inf2.xlarge", "trn1.2xlarge", "g5.xlarge", "g6.xlarge", "g5.2xlarge"];

    // Act
    const snapshot = await reader().read(request({ services: manyServices(30), instanceTypes: types }));

    // Assess
    expect(cloudWatch).toHaveReceivedCommandTimes(GetMetricDataCommand, 2);
    const calls = cloudWatch.commandCalls(GetMetricDataCommand).map(sentQueries);
    expect(calls.map((queries) => queries.length)).toEqual([MAX_QUERIES_PER_CALL, 106]);
    const ids = calls.flat().map((q) => q.Id);
    expect(new Set(ids).size).toBe(606);
    expect(Object.values(snapshot.services).flatMap((s) => Object.keys(s.units))).toHaveLength(150);
  });

  it("builds query ids CloudWatch accepts, unique, from indexes rather than names", async () => {
    // Prepare
    cloudWatch.on(GetMetricDataCommand).callsFake((input) => answer(input, []));

    // Act
    await reader().read(
      request({ services: manyServices(20), instanceTypes: ["inf2.xlarge", "g5.2xlarge"] }),
    );

    // Assess
    const ids = cloudWatch
      .commandCalls(GetMetricDataCommand)
      .flatMap(sentQueries)
      .map((q) => q.Id ?? "");
    expect(ids.every((id) => /^[a-z][a-zA-Z0-9_]*$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("follows NextToken through PartialData pages and merges them", async () => {
    // Prepare
    const inf2Requests = unitSeries("sd21-inf2", "RequestCount", "Sum", [
      [minute(0), 100],
      [minute(1), 110],
      [minute(2), 120],
      [minute(3), 130],
      [minute(4), 140],
    ]);
    const page = (points: Series["points"]): readonly Series[] => [{ ...inf2Requests, points }];
    cloudWatch
      .on(GetMetricDataCommand)
      .callsFake((input) => {
        const first = answer(input, page(inf2Requests.points.slice(0, 3)));
        return {
          ...first,
          NextToken: "page-2",
          MetricDataResults: first.MetricDataResults?.map((r) => ({
            ...r,
            StatusCode: "PartialData" as const,
          })),
        };
      })
      .on(GetMetricDataCommand, { NextToken: "page-2" })
      .callsFake((input) => answer(input, page(inf2Requests.points.slice(3))));

    // Act
    const snapshot = await reader().read(request());

    // Assess
    expect(cloudWatch).toHaveReceivedCommandTimes(GetMetricDataCommand, 2);
    expect(cloudWatch).toHaveReceivedNthCommandWith(GetMetricDataCommand, 2, {
      NextToken: "page-2",
      EndTime: new Date(END),
    });
    const requests = snapshot.services.sd21?.units["sd21-inf2"]?.map((row) => row.requests);
    expect(requests).toEqual([100, 110, 120, 130, 140]);
  });

  it("reads no datapoint as zero counts and unknown latency and healthy hosts, one row per whole minute", async () => {
    // Prepare
    cloudWatch.on(GetMetricDataCommand).callsFake((input) => answer(input, []));

    // Act
    const snapshot = await reader().read(request());

    // Assess
    const empty = (at: number): UnitMinute => ({
      at,
      requests: 0,
      count2xx: 0,
      count5xx: 0,
      latencyMs: null,
      latencyAvgMs: null,
      healthyHosts: null,
    });
    // 14:00..14:04: the minute 14:05 is still being filled at END (14:05:27.5).
    expect(snapshot.services.sd21?.units["sd21-inf2"]).toEqual([0, 1, 2, 3, 4].map((n) => empty(minute(n))));
    expect(snapshot.services.sd21?.elb5xx).toEqual([0, 1, 2, 3, 4].map((n) => ({ at: minute(n), count: 0 })));
    expect(snapshot.capacityErrors).toEqual([]);
  });

  it("puts each datapoint in its unit, field and minute, with latency in milliseconds", async () => {
    // Prepare
    cloudWatch.on(GetMetricDataCommand).callsFake((input) =>
      answer(input, [
        unitSeries("sd21-inf2", "RequestCount", "Sum", [[minute(1), 5400]]),
        unitSeries("sd21-inf2", "HTTPCode_Target_2XX_Count", "Sum", [[minute(1), 5390]]),
        unitSeries("sd21-inf2", "HTTPCode_Target_5XX_Count", "Sum", [[minute(1), 10]]),
        unitSeries("sd21-inf2", "TargetResponseTime", "p95", [[minute(1), 0.912]]),
        unitSeries("sd21-inf2", "TargetResponseTime", "Average", [[minute(1), 0.123]]),
        unitSeries("sd21-inf2", "HealthyHostCount", "Minimum", [[minute(1), 3]]),
        unitSeries("sd21-trn1", "RequestCount", "Sum", [[minute(3), 42]]),
        {
          metricName: "HTTPCode_ELB_5XX_Count",
          stat: "Sum",
          dimensions: { LoadBalancer: LB },
          points: [[minute(2), 7]],
        },
      ]),
    );

    // Act
    const snapshot = await reader().read(request());

    // Assess
    const sd21Metrics = snapshot.services.sd21;
    expect(sd21Metrics?.units["sd21-inf2"]?.[1]).toEqual({
      at: minute(1),
      requests: 5400,
      count2xx: 5390,
      count5xx: 10,
      latencyMs: 912,
      // Not queried: four metrics a unit keep 100 units in one call.
      latencyAvgMs: null,
      healthyHosts: null,
    });
    expect(sd21Metrics?.units["sd21-inf2"]?.[0]?.latencyMs).toBeNull();
    expect(sd21Metrics?.units["sd21-trn1"]?.map((row) => row.requests)).toEqual([0, 0, 0, 42, 0]);
    expect(sd21Metrics?.elb5xx.map((row) => row.count)).toEqual([0, 0, 7, 0, 0]);
  });

  it("gives all-missing rows to a unit whose target group was not found, and asks nothing for it", async () => {
    // Prepare
    cloudWatch.on(GetMetricDataCommand).callsFake((input) => answer(input, []));

    // Act
    const snapshot = await reader().read(request());

    // Assess
    const rows = snapshot.services.sd21?.units["sd21-g5-cuda"];
    expect(rows).toHaveLength(5);
    expect(rows?.every((r) => r.requests === 0 && r.latencyMs === null && r.healthyHosts === null)).toBe(
      true,
    );
    const queries = cloudWatch.commandCalls(GetMetricDataCommand).flatMap(sentQueries);
    const targetGroups = queries
      .flatMap((q) => q.MetricStat?.Metric?.Dimensions ?? [])
      .filter((d) => d.Name === "TargetGroup");
    expect(new Set(targetGroups.map((d) => d.Value))).toEqual(
      new Set(["sd21-inf2", "sd21-trn1", "sd21-g5-triton", "sd21-g6-triton"].map(tg)),
    );
  });

  it.each([
    ["p99", ["p99"]],
    ["average", ["Average"]],
  ])("asks TargetResponseTime at the SLO statistic %s, once", async (latencyStatistic, stats) => {
    // Prepare
    cloudWatch
      .on(GetMetricDataCommand)
      .callsFake((input) =>
        answer(input, [unitSeries("sd21-inf2", "TargetResponseTime", "Average", [[minute(0), 0.5]])]),
      );

    // Act
    const snapshot = await reader().read(request({ services: [sd21({ latencyStatistic })] }));

    // Assess
    const inf2Latency = cloudWatch
      .commandCalls(GetMetricDataCommand)
      .flatMap(sentQueries)
      .filter(
        (q) =>
          q.MetricStat?.Metric?.MetricName === "TargetResponseTime" &&
          q.MetricStat.Metric.Dimensions?.some((d) => d.Value === tg("sd21-inf2")),
      );
    expect(inf2Latency.map((q) => q.MetricStat?.Stat).sort()).toEqual(stats);
    const first = snapshot.services.sd21?.units["sd21-inf2"]?.[0];
    expect(first?.latencyAvgMs).toBeNull();
    expect(first?.latencyMs).toBe(latencyStatistic === "average" ? 500 : null);
  });

  it("asks for each load balancer's ELB 5XX count once, shared by the services on it", async () => {
    // Prepare
    cloudWatch.on(GetMetricDataCommand).callsFake((input) =>
      answer(input, [
        {
          metricName: "HTTPCode_ELB_5XX_Count",
          stat: "Sum",
          dimensions: { LoadBalancer: LB },
          points: [[minute(0), 3]],
        },
      ]),
    );
    const other = {
      ...sd21(),
      service: "sd15",
      targetGroups: { "sd15-inf2": "targetgroup/k8s-sd15/0f0f0f0f0f0f0f0f" },
    };

    // Act
    const snapshot = await reader().read(request({ services: [sd21(), other] }));

    // Assess
    const elbQueries = cloudWatch
      .commandCalls(GetMetricDataCommand)
      .flatMap(sentQueries)
      .filter((q) => q.MetricStat?.Metric?.MetricName === "HTTPCode_ELB_5XX_Count");
    expect(elbQueries).toHaveLength(1);
    expect(snapshot.services.sd15?.elb5xx[0]?.count).toBe(3);
    expect(snapshot.services.sd21?.elb5xx[0]?.count).toBe(3);
  });

  it("reads recorded capacity errors as one signal per instance type and minute with a positive sum", async () => {
    // Prepare
    const capacity = (instanceType: string, points: Series["points"]): Series => ({
      namespace: "Switchyard",
      metricName: "CapacityErrors",
      stat: "Sum",
      dimensions: { Cluster: CLUSTER, InstanceType: instanceType },
      points,
    });
    cloudWatch.on(GetMetricDataCommand).callsFake((input) =>
      answer(input, [
        capacity("inf2.xlarge", [
          [minute(1), 2],
          [minute(2), 0],
          [minute(3), 1],
        ]),
      ]),
    );

    // Act
    const snapshot = await reader().read(request());

    // Assess
    expect(snapshot.capacityErrors.map((s) => [s.instanceType, s.at, s.count, s.source, s.code])).toEqual([
      ["inf2.xlarge", minute(1), 2, "recorded-metric", "InsufficientInstanceCapacity"],
      ["inf2.xlarge", minute(3), 1, "recorded-metric", "InsufficientInstanceCapacity"],
    ]);
  });

  it("reads back the capacity errors CloudWatchCapacityRecorder wrote, summed per instance type and minute", async () => {
    // Prepare: a CloudWatch double that keeps datums and sums them per exact dimension set, as CloudWatch does
    const stored: MetricDatum[] = [];
    cloudWatch.on(PutMetricDataCommand).callsFake((input) => {
      stored.push(...(input.MetricData ?? []));
      return { $metadata: {} };
    });
    cloudWatch.on(GetMetricDataCommand).callsFake((input) => {
      const table: Series[] = [];
      for (const datum of stored) {
        const dimensions = Object.fromEntries(
          (datum.Dimensions ?? []).map((d) => [d.Name ?? "", d.Value ?? ""]),
        );
        const at = Math.floor((datum.Timestamp?.getTime() ?? 0) / MINUTE) * MINUTE;
        const series = table.find((s) => sameDimensions(s.dimensions, dimensions));
        const points = new Map(series?.points ?? []);
        points.set(at, (points.get(at) ?? 0) + (datum.Value ?? 0));
        const next = {
          namespace: "Switchyard",
          metricName: "CapacityErrors",
          stat: "Sum",
          dimensions,
          points: [...points],
        };
        table.splice(
          series === undefined ? table.length : table.indexOf(series),
          series === undefined ? 0 : 1,
          next,
        );
      }
      return answer(input, table);
    });
    const recorder = new CloudWatchCapacityRecorder({ client, cluster: CLUSTER });
    await recorder.record([
      {
        instanceType: "inf2.xlarge",
        at: minute(1) + 12_000,
        source: "cloudtrail-create-fleet",
        code: "InsufficientInstanceCapacity",
        count: 2,
      },
      {
        instanceType: "inf2.xlarge",
        at: minute(1) + 40_000,
        source: "spot-interruption",
        code: "SpotInterruption",
        count: 1,
      },
      {
        instanceType: "g5.xlarge",
        at: minute(4) + 5_000,
        source: "cloudtrail-run-instances",
        code: "InsufficientInstanceCapacity",
        count: 1,
      },
    ]);

    // Act
    const snapshot = await reader().read(request());

    // Assess
    expect(snapshot.capacityErrors.map((s) => [s.instanceType, s.at, s.count])).toEqual([
      ["inf2.xlarge", minute(1), 3],
      ["g5.xlarge", minute(4), 1],
    ]);
  });

  it("reads back, for the instance types of Spot or zoned units, each error's capacity type and zone, and the rest as unknown", async () => {
    // Prepare: the same CloudWatch double, summing datums per exact dimension set
    const stored: MetricDatum[] = [];
    cloudWatch.on(PutMetricDataCommand).callsFake((input) => {
      stored.push(...(input.MetricData ?? []));
      return { $metadata: {} };
    });
    cloudWatch.on(GetMetricDataCommand).callsFake((input) => {
      const table: Series[] = [];
      for (const datum of stored) {
        const dimensions = Object.fromEntries(
          (datum.Dimensions ?? []).map((d) => [d.Name ?? "", d.Value ?? ""]),
        );
        const at = Math.floor((datum.Timestamp?.getTime() ?? 0) / MINUTE) * MINUTE;
        const series = table.find((s) => sameDimensions(s.dimensions, dimensions));
        const points = new Map(series?.points ?? []);
        points.set(at, (points.get(at) ?? 0) + (datum.Value ?? 0));
        const next = {
          namespace: "Switchyard",
          metricName: "CapacityErrors",
          stat: "Sum",
          dimensions,
          points: [...points],
        };
        table.splice(
          series === undefined ? table.length : table.indexOf(series),
          series === undefined ? 0 : 1,
          next,
        );
      }
      return answer(input, table);
    });
    const base = {
      at: minute(1) + 12_000,
      source: "cloudtrail-create-fleet",
      code: "InsufficientInstanceCapacity",
    } as const;
    await new CloudWatchCapacityRecorder({ client, cluster: CLUSTER }).record([
      {
        ...base,
        instanceType: "inf2.xlarge",
        count: 2,
        capacityType: "spot",
        availabilityZone: "us-west-2a",
      },
      { ...base, instanceType: "inf2.xlarge", count: 1, capacityType: "on-demand" },
      { ...base, instanceType: "inf2.xlarge", count: 4 },
      { ...base, instanceType: "g5.xlarge", count: 1, capacityType: "spot", availabilityZone: "us-west-2a" },
    ]);

    // Act
    const snapshot = await reader().read({
      ...request(),
      detailedTypes: [{ instanceType: "inf2.xlarge", zones: ["us-west-2a", "us-west-2b"] }],
    });

    // Assess
    const read = (type: string) =>
      snapshot.capacityErrors
        .filter((s) => s.instanceType === type)
        .map((s) => [s.count, s.capacityType ?? "?", s.availabilityZone ?? "?"]);
    expect(read("inf2.xlarge")).toEqual(
      expect.arrayContaining([
        [2, "spot", "us-west-2a"],
        [1, "on-demand", "?"],
        [4, "?", "?"],
      ]),
    );
    expect(read("inf2.xlarge")).toHaveLength(3);
    // g5.xlarge is no Spot or zoned unit's: read back as before, type and zone unknown.
    expect(read("g5.xlarge")).toEqual([[1, "?", "?"]]);
  });

  it("makes no call when there is nothing to read", async () => {
    // Act
    const snapshot = await reader().read(request({ services: [], instanceTypes: [] }));

    // Assess
    expect(cloudWatch).toHaveReceivedCommandTimes(GetMetricDataCommand, 0);
    expect(snapshot).toEqual({ services: {}, capacityErrors: [] });
  });

  it("logs the Messages CloudWatch returns, per query and per call", async () => {
    // Prepare
    const { logger, entries } = recordingLogger();
    cloudWatch.on(GetMetricDataCommand).callsFake((input) => {
      const output = answer(input, []);
      const [first, ...rest] = output.MetricDataResults ?? [];
      return {
        ...output,
        Messages: [{ Code: "MaxMetricsExceeded", Value: "100" }],
        MetricDataResults: [
          { ...first, Messages: [{ Code: "ArithmeticError", Value: "division by zero" }] },
          ...rest,
        ],
      };
    });

    // Act
    await reader(logger).read(request());

    // Assess
    const warnings = entries.filter((e) => e.level === "warn" && e.message === "GetMetricData messages");
    expect(warnings.map((w) => w.attributes.messages)).toEqual([
      [{ code: "ArithmeticError", value: "division by zero" }],
      [{ code: "MaxMetricsExceeded", value: "100" }],
    ]);
  });

  it("throws MetricsUnavailableError naming the cause when GetMetricData is throttled", async () => {
    // Prepare
    const throttled = new CloudWatchServiceException({
      name: "ThrottlingException",
      $fault: "client",
      $metadata: { httpStatusCode: 400, attempts: 3, requestId: "4c1f2a9e-0d3b-4e8a-9b7c-6d5e4f3a2b1c" },
      message: "Rate exceeded",
    });
    cloudWatch.on(GetMetricDataCommand).rejects(throttled);

    // Act
    const failure = await reader()
      .read(request())
      .catch((error: unknown) => error);

    // Assess
    expect(failure).toBeInstanceOf(MetricsUnavailableError);
    expect(failure).toMatchObject({
      name: "MetricsUnavailableError",
      code: "METRICS_UNAVAILABLE",
      retryable: true,
    });
    expect((failure as Error).cause).toBe(throttled);
    expect((failure as Error).message).toContain("ThrottlingException: Rate exceeded (HTTP 400, 3 attempts");
    expect((failure as Error).message).toContain("cloudwatch:GetMetricData");
  });

  it("throws MetricsUnavailableError naming the query when CloudWatch answers Forbidden for it", async () => {
    // Prepare
    cloudWatch.on(GetMetricDataCommand).callsFake((input) => {
      const output = answer(input, []);
      const [first, ...rest] = output.MetricDataResults ?? [];
      return { ...output, MetricDataResults: [{ ...first, StatusCode: "Forbidden" as const }, ...rest] };
    });

    // Act
    const failure = await reader()
      .read(request())
      .catch((error: unknown) => error);

    // Assess
    expect(failure).toBeInstanceOf(MetricsUnavailableError);
    expect((failure as Error).message).toContain(
      `s0_u0_req (AWS/ApplicationELB/RequestCount Sum LoadBalancer=${LB} TargetGroup=${tg("sd21-inf2")}): Forbidden`,
    );
  });

  it("reads the consolidated Service's group, which carries all traffic in capacity mode: requests and latency", async () => {
    // Prepare
    cloudWatch
      .on(GetMetricDataCommand)
      .callsFake((input) =>
        answer(input, [
          unitSeries("sd21", "RequestCount", "Sum", [[minute(2), 24_000]]),
          unitSeries("sd21", "TargetResponseTime", "p95", [[minute(2), 0.84]]),
        ]),
      );

    // Act
    const snapshot = await reader().read(
      request({ services: [sd21({ consolidatedTargetGroup: tg("sd21") })] }),
    );

    // Assess
    const consolidatedQueries = cloudWatch
      .commandCalls(GetMetricDataCommand)
      .flatMap(sentQueries)
      .filter((q) => q.MetricStat?.Metric?.Dimensions?.some((d) => d.Value === tg("sd21")));
    expect(
      consolidatedQueries.map((q) => `${q.MetricStat?.Metric?.MetricName} ${q.MetricStat?.Stat}`).sort(),
    ).toEqual(["RequestCount Sum", "TargetResponseTime p95"]);
    expect(snapshot.services.sd21?.consolidated?.[2]).toMatchObject({ requests: 24_000, latencyMs: 840 });
    expect(snapshot.services.sd21?.consolidated?.[1]).toMatchObject({ requests: 0, latencyMs: null });
  });

  it("reports no consolidated rows for a service without a consolidated target group", async () => {
    cloudWatch.on(GetMetricDataCommand).callsFake((input) => answer(input, []));
    const snapshot = await reader().read(request());
    expect(snapshot.services.sd21?.consolidated).toBeNull();
  });
});
