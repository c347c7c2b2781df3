import { describe, expect, it } from "vitest";
import { parseCloudWatchTrace, traceDemand } from "../../../packages/sim/src/demand/cloudwatch-trace.ts";
import { parseDemandCsv } from "../../../packages/sim/src/demand/demand-csv.ts";
import { parseScenario } from "../../../packages/sim/src/scenario/load.ts";
import { runSwitchyard } from "../../support/cli.ts";
import { readRepoFile } from "../../support/paths.ts";
import { readRepoText, repoScenario } from "../../support/scenarios.ts";

const MINUTE = 60_000;
const START = Date.parse("2026-11-16T00:00:00Z");

/** get-metric-data output as the AWS CLI prints it: newest first (ScanBy TimestampDescending by default). */
function metricData(points: [string, number][], extra: Record<string, unknown> = {}): string {
  const newestFirst = [...points].sort((a, b) => Date.parse(b[0]) - Date.parse(a[0]));
  return JSON.stringify({
    MetricDataResults: [
      {
        Id: "requests",
        Label: "RequestCount",
        Timestamps: newestFirst.map(([at]) => at),
        Values: newestFirst.map(([, v]) => v),
        StatusCode: "Complete",
      },
    ],
    Messages: [],
    ...extra,
  });
}

const at = (minute: number) => new Date(START + minute * MINUTE).toISOString().replace(".000Z", "+00:00");

/** A scenario in test/fixtures/scenarios/ whose demand file is given inline. */
async function scenarioWith(demand: string, file: string, duration = "10m", start = "2026-11-16T00:00:00Z") {
  const text = `name: trace
config: ../../../examples/sd21/switchyard.yaml
start: ${start}
duration: ${duration}
demand: ${demand}
`;
  return parseScenario(text, "test/fixtures/scenarios/inline.yaml", async (path) =>
    path === "test/fixtures/scenarios/trace.json" ? file : readRepoText(path),
  );
}

describe("Function: parseCloudWatchTrace", () => {
  it("reads get-metric-data JSON newest first and returns it oldest first with its period", () => {
    const trace = parseCloudWatchTrace(
      metricData([
        [at(0), 600],
        [at(1), 1200],
        [at(2), 1800],
      ]),
    );
    expect(trace).toEqual({
      ok: true,
      value: {
        format: "get-metric-data",
        label: "RequestCount",
        periodSeconds: 60,
        points: [
          { at: START, count: 600 },
          { at: START + MINUTE, count: 1200 },
          { at: START + 2 * MINUTE, count: 1800 },
        ],
      },
    });
  });

  it("joins the pages the CLI merged into one MetricDataResults list by Id", () => {
    const page = (points: [string, number][]) => JSON.parse(metricData(points)).MetricDataResults[0];
    const text = JSON.stringify({
      MetricDataResults: [
        page([
          [at(3), 4],
          [at(2), 3],
        ]),
        page([
          [at(1), 2],
          [at(0), 1],
        ]),
      ],
    });
    const trace = parseCloudWatchTrace(text);
    expect(trace.ok && trace.value.points.map((p) => p.count)).toEqual([1, 2, 3, 4]);
  });

  it("reads the console's quoted CSV export, leaving periods without a datapoint out", () => {
    const csv = [
      '"Label","RequestCount, Sum (app/k8s-default-sd21)"',
      '"2026-11-16 00:02:00","1800"',
      '"2026-11-16 00:00:00","600"',
      '"2026-11-16 00:01:00",""',
      '"2026-11-16 00:03:00","2400"',
    ].join("\r\n");
    const trace = parseCloudWatchTrace(csv);
    expect(trace).toEqual({
      ok: true,
      value: {
        format: "console-csv",
        label: "RequestCount, Sum (app/k8s-default-sd21)",
        periodSeconds: 60,
        points: [
          { at: START, count: 600 },
          { at: START + 2 * MINUTE, count: 1800 },
          { at: START + 3 * MINUTE, count: 2400 },
        ],
      },
    });
  });

  it("picks the series demand.series names, by Id or Label in JSON and by header or index in a CSV", () => {
    const two = JSON.stringify({
      MetricDataResults: [
        { Id: "errors", Label: "HTTPCode_ELB_5XX_Count", Timestamps: [at(1), at(0)], Values: [1, 2] },
        { Id: "requests", Label: "RequestCount", Timestamps: [at(1), at(0)], Values: [600, 1200] },
      ],
    });
    const counts = (text: string, series: string | number) => {
      const trace = parseCloudWatchTrace(text, series);
      return trace.ok ? trace.value.points.map((p) => p.count) : trace.problem;
    };
    expect(counts(two, "requests")).toEqual([1200, 600]);
    expect(counts(two, "RequestCount")).toEqual([1200, 600]);
    const csv =
      '"Time","5XX","RequestCount"\n"2026-11-16T00:00:00Z","2","1200"\n"2026-11-16T00:01:00Z","1","600"\n';
    expect(counts(csv, "RequestCount")).toEqual([1200, 600]);
    expect(counts(csv, 1)).toEqual([2, 1]);
    expect(counts(csv, "Time")).toMatch(
      /has no series column "Time" \(columns: Time, 5XX, RequestCount; the first holds the timestamps\)/,
    );
  });

  it.each([
    [
      "a page of a longer result",
      metricData(
        [
          [at(0), 1],
          [at(1), 1],
        ],
        { NextToken: "abc" },
      ),
      /ends with a NextToken: it is one page/,
    ],
    [
      "several series and no demand.series",
      JSON.stringify({
        MetricDataResults: [
          { Id: "requests", Label: "RequestCount", Timestamps: [], Values: [] },
          { Id: "errors", Label: "HTTPCode_ELB_5XX_Count", Timestamps: [], Values: [] },
        ],
      }),
      /holds 2 series \(requests "RequestCount", errors "HTTPCode_ELB_5XX_Count"\): set demand.series/,
    ],
    [
      "two datapoints at one time",
      metricData([
        [at(0), 1],
        [at(0), 2],
        [at(1), 1],
      ]),
      /two datapoints at 2026-11-16T00:00:00.000Z \(Timestamps\[\d\] and Timestamps\[\d\]\)/,
    ],
    [
      "datapoints off the period",
      metricData([
        [at(0), 1],
        [at(1), 1],
        [new Date(START + 150_000).toISOString(), 1],
      ]),
      /off its 60 s period/,
    ],
    [
      "datapoints 90 s apart, which is no period CloudWatch returns an ALB metric at",
      metricData(
        Array.from(
          { length: 10 },
          (_, i) => [new Date(START + i * 90_000).toISOString(), 900] as [string, number],
        ),
      ),
      /has datapoints 90 s apart: CloudWatch returns ALB RequestCount per 60 s or a multiple of it/,
    ],
    [
      "a count past a billion requests per second",
      metricData([
        [at(0), 600],
        [at(1), 1e308],
        [at(2), 600],
      ]),
      /Timestamps\[1\]: 1e\+308 requests in 60 s is more than 1000000000 requests per second/,
    ],
    [
      "a CSV count written in hex",
      '"Label","x"\n"2026-11-16 00:00:00","0x10"\n"2026-11-16 00:01:00","5"\n',
      /line 2: column 1 \(x\) must be a request count/,
    ],
    [
      "a negative count",
      metricData([
        [at(0), -1],
        [at(1), 1],
      ]),
      /Values\[1\] must be a request count/,
    ],
    [
      "a CSV row with a bad time",
      '"Label","x"\n"yesterday","5"\n"2026-11-16 00:01:00","5"\n',
      /line 2: the first cell must be a time/,
    ],
  ])("refuses %s", (_what, text, problem) => {
    const trace = parseCloudWatchTrace(text);
    expect(trace.ok).toBe(false);
    expect(trace.ok ? "" : trace.problem).toMatch(problem);
  });
});

describe("Function: traceDemand", () => {
  it("turns a 5-minute Sum into requests/s in each of its minutes", () => {
    const trace = parseCloudWatchTrace(
      metricData([
        [at(0), 30_000],
        [at(5), 60_000],
      ]),
    );
    if (!trace.ok) throw new Error(trace.problem);
    const laid = traceDemand(trace.value, START, START + 10 * MINUTE, "wall-clock");
    expect(laid).toEqual({
      ok: true,
      value: {
        rpsByMinute: [100, 100, 100, 100, 100, 200, 200, 200, 200, 200],
        emptyMinutes: 0,
        traceStart: START,
      },
    });
  });

  it("replays minutes with no datapoint as no traffic and counts them", () => {
    const trace = parseCloudWatchTrace(
      metricData([
        [at(0), 600],
        [at(3), 600],
        [at(4), 1200],
      ]),
    );
    if (!trace.ok) throw new Error(trace.problem);
    const laid = traceDemand(trace.value, START, START + 5 * MINUTE, "wall-clock");
    expect(laid.ok && laid.value).toEqual({
      rpsByMinute: [10, 0, 0, 10, 20],
      emptyMinutes: 2,
      traceStart: START,
    });
  });

  it("aligns the first datapoint to the run's start by default, wherever the trace was recorded", () => {
    const trace = parseCloudWatchTrace(
      metricData([
        [at(0), 600],
        [at(1), 1200],
      ]),
    );
    if (!trace.ok) throw new Error(trace.problem);
    const start = Date.parse("2024-11-14T00:00:00Z");
    const laid = traceDemand(trace.value, start, start + 2 * MINUTE, "first-datapoint");
    expect(laid.ok && laid.value).toEqual({ rpsByMinute: [10, 20], emptyMinutes: 0, traceStart: START });
  });
});

describe("Demand shape: cloudwatch", () => {
  it("replays the bundled recorded day at its own times: 1,435 datapoints of 60 s, 5 silent minutes", async () => {
    const scenario = await repoScenario("examples/sd21/scenarios/recorded-day.yaml");
    const { MetricDataResults } = JSON.parse(readRepoFile("examples/sd21/traces/alb-request-count.json"));
    const [result] = MetricDataResults;
    expect(Date.parse(result.Timestamps[0])).toBeGreaterThan(Date.parse(result.Timestamps[1])); // newest first
    expect(scenario.demand).toMatchObject({
      kind: "series",
      file: "../traces/alb-request-count.json",
      trace: {
        format: "get-metric-data",
        label: "RequestCount",
        periodSeconds: 60,
        datapoints: 1435,
        emptyMinutes: 5,
      },
    });
    if (scenario.demand.kind !== "series") throw new Error("expected a series");
    const { rpsByMinute } = scenario.demand;
    expect(rpsByMinute).toHaveLength(24 * 60);
    const valueAt = (stamp: string) => result.Values[result.Timestamps.indexOf(stamp)];
    expect(rpsByMinute[0]).toBeCloseTo(valueAt("2026-11-16T00:00:00+00:00") / 60, 9);
    expect(rpsByMinute[15 * 60]).toBeCloseTo(valueAt("2026-11-16T15:00:00+00:00") / 60, 9);
    expect(rpsByMinute.slice(4 * 60 + 10, 4 * 60 + 15)).toEqual([0, 0, 0, 0, 0]);
    expect(Math.max(...rpsByMinute)).toBeGreaterThan(400);
  });

  it("says in the report how many minutes had no datapoint", async () => {
    const trace = metricData([0, 1, 4, 5, 6, 7, 8, 9, 10].map((m) => [at(m), 6000] as [string, number]));
    const scenario = `name: trace
config: ../../../examples/sd21/switchyard.yaml
start: 2026-11-16T00:00:00Z
duration: 10m
demand: { shape: cloudwatch, file: trace.json }
`;
    const run = await runSwitchyard(
      ["simulate", "-f", "test/fixtures/scenarios/trace.yaml", "-p", "static-cost", "--out", "out/trace"],
      { "test/fixtures/scenarios/trace.yaml": scenario, "test/fixtures/scenarios/trace.json": trace },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(String(run.written.get("out/trace/report.md"))).toContain(
      "- Demand: recorded RequestCount from trace.json (get-metric-data, 9 datapoints of 1m, replayed from 2026-11-16 00:00 UTC); 2 minutes with no datapoint, replayed as no traffic.",
    );
  });

  it("refuses a trace that ends before the run does, naming the gap", async () => {
    const file = metricData(Array.from({ length: 8 }, (_, m) => [at(m), 600] as [string, number]));
    const result = await scenarioWith("{ shape: cloudwatch, file: trace.json, align: wall-clock }", file);
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.issues).toContainEqual(
      expect.objectContaining({
        path: "demand.file",
        message:
          "covers 2026-11-16T00:00Z to 2026-11-16T00:08Z, so the run (2026-11-16T00:00Z to 2026-11-16T00:10Z in the trace's time) has no data from 2026-11-16T00:08Z to 2026-11-16T00:10Z (2 min): shorten the run or fetch more of the trace",
      }),
    );
  });

  it("refuses a wall-clock trace that starts after the run, naming the gap", async () => {
    const file = metricData(Array.from({ length: 20 }, (_, m) => [at(m + 3), 600] as [string, number]));
    const result = await scenarioWith("{ shape: cloudwatch, file: trace.json, align: wall-clock }", file);
    expect(result.ok ? [] : result.issues.map((i) => i.message)).toContainEqual(
      expect.stringMatching(
        /starts at 2026-11-16T00:03Z, 3 min after the run's start \(2026-11-16T00:00Z\): no data for 2026-11-16T00:00Z to 2026-11-16T00:03Z/,
      ),
    );
  });

  it("names the file and the problem when the trace cannot be read", async () => {
    const result = await scenarioWith("{ shape: cloudwatch, file: trace.json }", "{ not json");
    expect(result.ok ? [] : result.issues).toContainEqual(
      expect.objectContaining({
        path: "demand.file",
        message: expect.stringMatching(/^test\/fixtures\/scenarios\/trace.json is not valid JSON/),
      }),
    );
  });
});

describe("Demand shape: csv", () => {
  it("reads quoted cells, as spreadsheets and the CloudWatch console write them", () => {
    const csv = '"time","requests/s"\n"Nov 14, 00:00","100"\n"Nov 14, 00:01","120.5"\n';
    expect(parseDemandCsv(csv)).toEqual({ ok: true, rpsByMinute: [100, 120.5] });
    expect(parseDemandCsv(csv, "requests/s")).toEqual({ ok: true, rpsByMinute: [100, 120.5] });
  });

  it.each<[string, string | number | undefined, string]>([
    ["by name", "rps", 'column "rps" (the 2nd)'],
    ["by 0-based index", 1, "column 1 (0-based: the 2nd)"],
    ["by default, the last", undefined, 'the last column, "rps" (the 2nd)'],
  ])("names the column of a bad cell as the user chose it: %s", (_how, column, named) => {
    expect(parseDemandCsv("minute,rps\n0,100\n1,lots\n", column)).toEqual({
      ok: false,
      problems: [`line 3: ${named} must be requests per second, a decimal number >= 0 (got "lots")`],
    });
  });

  it("names the line of a row that is not CSV", () => {
    expect(parseDemandCsv('minute,rps\n0,100\n1,"120\n')).toEqual({
      ok: false,
      problems: [expect.stringMatching(/^line \d: opens a quote that is never closed/)],
    });
  });

  it("reports every bad row with its line, not only the first", () => {
    const csv = "minute,rps\n0,100\n1,lots\n2,120\n3,-5\n4,130,extra\n5,\n";

    expect(parseDemandCsv(csv)).toEqual({
      ok: false,
      problems: [
        'line 3: the last column, "rps" (the 2nd) must be requests per second, a decimal number >= 0 (got "lots")',
        'line 5: the last column, "rps" (the 2nd) must be requests per second, a decimal number >= 0 (got "-5")',
        "line 6: has 3 cells, the first row (line 1) has 2",
        'line 7: the last column, "rps" (the 2nd) must be requests per second, a decimal number >= 0 (got "")',
      ],
    });
  });

  it("lists the first 20 bad rows and counts the rest", () => {
    const csv = `rps\n${Array.from({ length: 25 }, (_, i) => `bad${i}`).join("\n")}\n`;

    const result = parseDemandCsv(csv);

    const problems = result.ok ? [] : result.problems;
    expect(problems).toHaveLength(21);
    expect(problems[19]).toMatch(/^line 21: /);
    expect(problems[20]).toBe("and 5 more bad rows, from line 22");
  });

  it("refuses a scenario with one issue per bad row of its demand CSV", async () => {
    const result = await parseScenario(
      "name: x\nstart: 2024-11-14T00:00:00Z\nduration: 5m\ndemand: { shape: csv, file: d.csv }\n",
      "s/x.yaml",
      async (path) =>
        path.endsWith("d.csv") ? "rps\n1\nx\n2\ny\n3\n" : readRepoFile("examples/sd21/switchyard.yaml"),
    );

    expect(
      result.ok ? [] : result.issues.filter((i) => i.path === "demand.file").map((i) => i.message),
    ).toEqual([
      expect.stringMatching(/d\.csv line 3: .*\(got "x"\)$/),
      expect.stringMatching(/d\.csv line 5: .*\(got "y"\)$/),
    ]);
  });
});
