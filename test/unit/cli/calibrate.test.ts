import { adjustedThroughput, parseConfig } from "@switchyard/core";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { runSwitchyard } from "../../support/cli.ts";
import { readRepoFile } from "../../support/paths.ts";

const LOAD_TEST = "examples/sd21/load-test.csv";
const HEADER = "unit,offered_rps,served_rps,p95_ms\n";

/** `switchyard calibrate` on the bundled load test at the example's 900 ms SLO, then `args`. */
function calibrateExample(args: readonly string[] = []) {
  return runSwitchyard(["calibrate", "--load-test", LOAD_TEST, "--slo-ms", "900", ...args]);
}

describe("Command: switchyard calibrate", () => {
  it("by default takes each unit's highest offered rate whose p95 is within the SLO and whose served rate keeps up (issue 11's rule) from the bundled load test", async () => {
    const run = await calibrateExample(["-o", "json"]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    const json = JSON.parse(run.stdout);
    expect(json.limit).toBe("slo");
    // The rule read straight off the CSV's rows: p95 ≤ 900 ms and served ≥ 95 % of offered.
    const rows = readRepoFile(LOAD_TEST)
      .split("\n")
      .filter((line) => line !== "" && !line.startsWith("#") && !line.startsWith("unit,"))
      .map((line) => line.split(","))
      .map(([unit, offered, served, p95]) => ({
        unit,
        offered: Number(offered),
        served: Number(served),
        p95: Number(p95),
      }));
    const rule = [...new Set(rows.map((r) => r.unit))].map((unit) => {
      const best = rows
        .filter((r) => r.unit === unit && r.p95 <= 900 && r.served >= 0.95 * r.offered)
        .sort((a, b) => b.offered - a.offered)[0];
      return [unit, best?.offered, best?.p95];
    });
    const units = json.units.map((u: { name: string; maxRps: number; latencyMs: number }) => [
      u.name,
      u.maxRps,
      u.latencyMs,
    ]);
    expect(units).toEqual(rule);
    expect(units).toEqual([
      ["sd21-inf2", 105, 670],
      ["sd21-trn1", 130, 510],
      ["sd21-a10g-triton", 90, 680],
      ["sd21-l4-triton", 55, 893],
      ["sd21-a10g-cuda", 54, 852],
    ]);
    expect(json.units.every((u: { reached: boolean; withinSlo: boolean }) => u.reached && u.withinSlo)).toBe(
      true,
    );
    expect(json.units.find((u: { name: string }) => u.name === "sd21-l4-triton")).toMatchObject({
      throughput: { offeredRps: 61, latencyMs: 960, plateaued: true },
      brokeAt: { offeredRps: 61, servedRps: 60.2, latencyMs: 960, why: "over-slo" },
    });
  });

  it("with --limit throughput measures the example config's maxRps and latencyMs (seed Table 2, adjusted 89.2 / 61.0 / 60.0), l4 and a10g-cuda over the SLO", async () => {
    const run = await calibrateExample(["--limit", "throughput", "-o", "json"]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    const config = parseConfig(readRepoFile("examples/sd21/switchyard.yaml"));
    if (!config.ok) {
      throw new Error("example config invalid");
    }
    const expected = config.value.services[0]?.units.map((u) => ({
      name: u.name,
      maxRps: u.maxRps,
      latencyMs: u.latencyMs,
      reached: true,
      withinSlo: u.latencyMs <= 900,
    }));
    const json = JSON.parse(run.stdout);
    expect(json.units).toMatchObject(expected ?? []);
    expect(adjustedThroughput(json.units as { maxRps: number }[]).map((a) => Number(a.toFixed(1)))).toEqual([
      89.2, 89.2, 89.2, 61, 60,
    ]);
    expect(json.units.find((u: { name: string }) => u.name === "sd21-l4-triton")).toMatchObject({
      sloRps: 55,
      sloServingRps: 57.1875,
      brokeAt: { offeredRps: 67, servedRps: 61.5, why: "falls-behind" },
    });
  });

  it("writes JSON without float noise: a10g-cuda's capacity-mode rate 60 × 900 ÷ 920 to 12 significant digits", async () => {
    const run = await calibrateExample(["--limit", "throughput", "-o", "json"]);
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain("58.69565217391305");
    const cuda = JSON.parse(run.stdout).units.find((u: { name: string }) => u.name === "sd21-a10g-cuda");
    expect(cuda.sloServingRps).toBe(58.6956521739);
    const numbers = run.stdout.match(/-?\d+\.\d+(e[+-]?\d+)?/g) ?? [];
    expect(numbers.filter((n) => Number(n) !== Number(Number(n).toPrecision(12)))).toEqual([]);
  });

  it("prints a table with the rule it applied and, for each unit whose throughput kept up past the SLO, where --limit throughput would put it", async () => {
    const run = await calibrateExample();
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      "the last step before served falls below 95 % of offered or the p95 passes 900 ms.",
    );
    expect(run.stdout).toMatch(
      /sd21-inf2\s+105\s+670 ms\s+within\s+105 RPS, 670 ms\s+120 → 106\.1 RPS, 1840 ms\s+8/,
    );
    expect(run.stdout).toMatch(
      /sd21-l4-triton\s+55\s+893 ms\s+within\s+61 RPS, 960 ms\s+61 → 60\.2 RPS, 960 ms \(over SLO\)\s+8/,
    );
    expect(run.stdout).toContain(
      "- sd21-l4-triton: throughput kept up to 61 RPS at 960 ms, over the 900 ms SLO; --limit throughput takes that, as the seed's Table 2 was read, and capacity mode would hold it to maxRps × SLO ÷ latencyMs = 57.2 RPS per pod.",
    );
    expect(run.stdout).not.toContain("sd21-inf2: ");
  });

  it("with --limit throughput prints a note for each unit over the SLO at its breaking point", async () => {
    const run = await calibrateExample(["--limit", "throughput"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      "the last step before served falls below 95 % of offered (throughput stops following)",
    );
    expect(run.stdout).toMatch(/sd21-l4-triton\s+61\s+960 ms\s+over\s+55 RPS/);
    expect(run.stdout).toContain(
      "sd21-l4-triton: 960 ms at its breaking point is over the 900 ms SLO, as the seed's l4 and a10g-cuda (Table 2); capacity mode holds it to maxRps × SLO ÷ latencyMs = 57.2 RPS per pod; the highest step within it was 55 RPS (the default, --limit slo, takes that).",
    );
  });

  it("prints a YAML fragment that pastes into the config's units", async () => {
    const run = await calibrateExample(["-o", "yaml"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^# switchyard calibrate --load-test examples\/sd21\/load-test.csv --slo-ms 900\n/,
    );
    expect(run.stdout).not.toContain("over the");
    expect(parse(run.stdout)).toEqual({
      units: [
        { name: "sd21-inf2", maxRps: 105, latencyMs: 670 },
        { name: "sd21-trn1", maxRps: 130, latencyMs: 510 },
        { name: "sd21-a10g-triton", maxRps: 90, latencyMs: 680 },
        { name: "sd21-l4-triton", maxRps: 55, latencyMs: 893 },
        { name: "sd21-a10g-cuda", maxRps: 54, latencyMs: 852 },
      ],
    });
  });

  it("with --limit throughput prints the example config's fragment, the flag in its header and the units over the SLO marked", async () => {
    const run = await calibrateExample(["--keep-up", "94", "--limit", "throughput", "-o", "yaml"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^# switchyard calibrate --load-test examples\/sd21\/load-test.csv --slo-ms 900 --keep-up 94 --limit throughput\n/,
    );
    expect(run.stdout).toContain("    latencyMs: 960 # over the 900 ms SLO\n");
    expect(parse(run.stdout)).toEqual({
      units: [
        { name: "sd21-inf2", maxRps: 105, latencyMs: 670 },
        { name: "sd21-trn1", maxRps: 130, latencyMs: 510 },
        { name: "sd21-a10g-triton", maxRps: 90, latencyMs: 680 },
        { name: "sd21-l4-triton", maxRps: 61, latencyMs: 960 },
        { name: "sd21-a10g-cuda", maxRps: 60, latencyMs: 920 },
      ],
    });
  });

  it("reads the latency column the statistic names, in any column order, ignoring other columns and quotes", async () => {
    const csv =
      'served_rps,errors,"unit",p99_ms,offered_rps\n10,0,"a",300,10\n19.8,0,a,420,20\n21,3,a,2500,30\n';
    const run = await runSwitchyard(
      ["calibrate", "-l", "t.csv", "--slo-ms", "500", "--statistic", "p99", "-o", "json"],
      {
        "t.csv": csv,
      },
    );
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).units).toEqual([
      expect.objectContaining({ name: "a", maxRps: 20, latencyMs: 420, reached: true, withinSlo: true }),
    ]);
  });

  it("names --statistic in the YAML header only when it is not the default", async () => {
    const csv = "unit,offered_rps,served_rps,p99_ms\na,10,10,300\na,20,20,420\na,30,21,2500\n";
    const run = await runSwitchyard(
      ["calibrate", "-l", "t.csv", "--slo-ms", "500", "--statistic", "p99", "-o", "yaml"],
      {
        "t.csv": csv,
      },
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^# switchyard calibrate --load-test t.csv --slo-ms 500 --statistic p99\n/);
  });

  it("shows where throughput kept up for a unit whose first step is already over the SLO", async () => {
    const csv = `${HEADER}hot,10,10,1000\nhot,20,20,1200\nhot,30,15,1500\n`;
    const run = await runSwitchyard(["calibrate", "-l", "t.csv", "--slo-ms", "900"], { "t.csv": csv });
    expect(run.code).toBe(1);
    const row = run.stdout.split("\n").find((line) => line.trimStart().startsWith("hot "));
    expect(row).toContain("20 RPS, 1200 ms");
  });

  it("prints every unit and exits 1 when a unit never reached its breaking point or broke at its first step", async () => {
    const csv = `${HEADER}done,10,10,100\ndone,20,12,900\nflat,10,10,100\nflat,20,20,200\nlow,10,4,100\n`;
    const run = await runSwitchyard(["calibrate", "-l", "t.csv", "--slo-ms", "900", "-o", "json"], {
      "t.csv": csv,
    });
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).units).toEqual([
      expect.objectContaining({ name: "done", maxRps: 10, reached: true }),
      expect.objectContaining({ name: "flat", maxRps: 20, latencyMs: 200, reached: false, brokeAt: null }),
      expect.objectContaining({
        name: "low",
        maxRps: null,
        reached: false,
        brokeAt: expect.objectContaining({ offeredRps: 10 }),
      }),
    ]);
    expect(run.stderr).toContain(
      "2 of 3 units without a breaking point in t.csv: flat (every step up to 20 RPS kept up within the SLO: test higher rates); low (its lowest step, 10 RPS, already served 4 RPS, below 95 % of offered: test from a lower rate)",
    );
  });

  it("refuses malformed rows with their line numbers and exits 2, printing no results", async () => {
    const csv = `# generator: k6\n${HEADER}a,10,10,100\na,x,10,\n,5,5,5\na,10,9,120\nb,"5,5",1,1\n`;
    const run = await runSwitchyard(["calibrate", "-l", "t.csv", "--slo-ms", "900"], { "t.csv": csv });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(
      [
        "switchyard: t.csv: 4 problems:",
        '  line 4: offered_rps must be the requests/s sent, a decimal number above 0 (got "x"); p95_ms must be the p95 response time in ms, a decimal number above 0 (got "")',
        "  line 5: unit is empty",
        "  line 6: a at 10 requests/s offered is already on line 3: one row per step per unit",
        '  line 7: offered_rps must be the requests/s sent, a decimal number above 0 (got "5,5")',
        "",
      ].join("\n"),
    );
  });

  it("refuses a rate or latency past what one pod can mean, a number written as hex, and a unit name no config unit can have", async () => {
    const csv = [
      HEADER.trimEnd(),
      "a,10,10,100",
      "a,1e308,10,100",
      "a,20,20,1e308",
      "a,0x1F,10,100",
      '"sd21 inf2",10,10,100',
      '"sd21-inf2\nmaxRps: 9999",10,10,100',
      "",
    ].join("\n");
    const run = await runSwitchyard(["calibrate", "-l", "t.csv", "--slo-ms", "900"], { "t.csv": csv });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(
      [
        "switchyard: t.csv: 5 problems:",
        '  line 3: offered_rps must be at most 1000000: a million requests per second is beyond what one pod serves (got "1e308")',
        '  line 4: p95_ms must be at most 4000000: no response through an ALB takes longer than its longest idle timeout, 4000 s (got "1e308")',
        '  line 5: offered_rps must be the requests/s sent, a decimal number above 0 (got "0x1F")',
        `  line 6: unit "sd21 inf2" is not a deployment unit name (lowercase letters, digits and '-', starting with a letter, at most 63 characters), as the config's units are named`,
        // The quoted cell spans lines 7 and 8; the reader names the row by its last.
        `  line 8: unit "sd21-inf2\\nmaxRps: 9999" is not a deployment unit name (lowercase letters, digits and '-', starting with a letter, at most 63 characters), as the config's units are named`,
        "",
      ].join("\n"),
    );
  });

  it("lists every short or long row with its line, together with bad values, and exits 2", async () => {
    const csv = `${HEADER}a,10,10,100\na,20,20\na,30,x,100\nb,10\nb,20,20,100,7\n`;
    const run = await runSwitchyard(["calibrate", "-l", "t.csv", "--slo-ms", "900"], { "t.csv": csv });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(
      [
        "switchyard: t.csv: 4 problems:",
        "  line 3: has 3 cells, the first row (line 1) has 4",
        '  line 4: served_rps must be the requests/s answered, a decimal number >= 0 (got "x")',
        "  line 5: has 2 cells, the first row (line 1) has 4",
        "  line 6: has 5 cells, the first row (line 1) has 4",
        "",
      ].join("\n"),
    );
  });

  it.each<[string, string, RegExp, string[]?]>([
    [
      "a row with too many cells",
      `${HEADER}a,10,10,100\na,20,20,100,7\n`,
      /line 3: has 5 cells, the first row \(line 1\) has 4/,
    ],
    [
      "an unclosed quote",
      `${HEADER}a,10,10,100\n"a,20,20,100\n`,
      /line \d+: opens a quote that is never closed/,
    ],
    [
      "a header without the column of --statistic p99",
      "unit,offered_rps,served_rps,p95_ms\na,1,1,1\n",
      /line 1: .*p99_ms is missing .*pass --statistic p95/,
      ["--statistic", "p99"],
    ],
    ["an empty file", "", /has no rows: expected a header unit,offered_rps,served_rps,p95_ms/],
  ])("exits 2 on %s", async (_what, csv, message, flags: string[] = []) => {
    const run = await runSwitchyard(["calibrate", "-l", "t.csv", "--slo-ms", "900", ...flags], {
      "t.csv": csv,
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it.each([
    [["--slo-ms", "0"], /--slo-ms.*a number above 0/],
    [["--slo-ms", "900", "--keep-up", "120"], /--keep-up.*at most 100/],
    [
      ["--slo-ms", "900", "--statistic", "p42"],
      /--statistic.*Allowed choices are p50, p90, p95, p99, average/,
    ],
    [[], /required option '--slo-ms <ms>'/],
  ])("exits 2 on bad flags %j", async (flags, message) => {
    const run = await runSwitchyard(["calibrate", "-l", LOAD_TEST, ...flags]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it("exits 2 naming a load-test file that does not exist", async () => {
    const run = await runSwitchyard(["calibrate", "-l", "missing.csv", "--slo-ms", "900"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/cannot read missing\.csv: no such file/);
  });
});
