import { parseConfig } from "@switchyard/core";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { runSwitchyard } from "../../support/cli.ts";
import { readRepoFile } from "../../support/paths.ts";

const LOAD_TEST = "examples/sd21/load-test.csv";
const HEADER = "unit,offered_rps,served_rps,p95_ms\n";

describe("Command: switchyard calibrate", () => {
  it("measures the example config's maxRps and latencyMs from the bundled load test, l4 and a10g-cuda over the SLO as in the seed's Table 2", async () => {
    const run = await runSwitchyard(["calibrate", "--load-test", LOAD_TEST, "--slo-ms", "900", "-o", "json"]);
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
    expect(json.units.find((u: { name: string }) => u.name === "sd21-l4-triton")).toMatchObject({
      sloRps: 55,
      brokeAt: { offeredRps: 67, servedRps: 61.5, why: "falls-behind" },
    });
  });

  it("prints a table with the rule it applied and a note for each unit over the SLO", async () => {
    const run = await runSwitchyard(["calibrate", "-l", LOAD_TEST, "--slo-ms", "900"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("the last step before served falls below 95 % of offered");
    expect(run.stdout).toMatch(/sd21-inf2\s+105\s+670 ms\s+within\s+105 RPS\s+120 → 106\.1 RPS, 1840 ms\s+8/);
    expect(run.stdout).toMatch(/sd21-l4-triton\s+61\s+960 ms\s+over\s+55 RPS/);
    expect(run.stdout).toContain(
      "sd21-l4-triton: 960 ms at its breaking point is over the 900 ms SLO, as the seed's l4 and a10g-cuda (Table 2); capacity mode holds it to maxRps × SLO ÷ latencyMs = 57.2 RPS per pod",
    );
  });

  it("with --limit slo stops at the first step over the SLO", async () => {
    const run = await runSwitchyard([
      "calibrate",
      "-l",
      LOAD_TEST,
      "--slo-ms",
      "900",
      "--limit",
      "slo",
      "-o",
      "json",
    ]);
    expect(run.code).toBe(0);
    const units = JSON.parse(run.stdout).units.map(
      (u: { name: string; maxRps: number; latencyMs: number }) => [u.name, u.maxRps, u.latencyMs],
    );
    expect(units).toEqual([
      ["sd21-inf2", 105, 670],
      ["sd21-trn1", 130, 510],
      ["sd21-a10g-triton", 90, 680],
      ["sd21-l4-triton", 55, 893],
      ["sd21-a10g-cuda", 54, 852],
    ]);
  });

  it("prints a YAML fragment that pastes into the config's units", async () => {
    const run = await runSwitchyard(["calibrate", "-l", LOAD_TEST, "--slo-ms", "900", "-o", "yaml"]);
    expect(run.code).toBe(0);
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
      "2 of 3 units without a breaking point in t.csv: flat (every step up to 20 RPS kept up: test higher rates); low (its lowest step, 10 RPS, already served 4 RPS, below 95 % of offered: test from a lower rate)",
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
        '  line 4: offered_rps must be the requests/s sent, a number above 0 (got "x"); p95_ms must be the p95 response time in ms, a number above 0 (got "")',
        "  line 5: unit is empty",
        "  line 6: a at 10 requests/s offered is already on line 3: one row per step per unit",
        '  line 7: offered_rps must be the requests/s sent, a number above 0 (got "5,5")',
        "",
      ].join("\n"),
    );
  });

  it.each<[string, string, RegExp, string[]?]>([
    [
      "a row with too many cells",
      `${HEADER}a,10,10,100\na,20,20,100,7\n`,
      /line 3: has a different number of cells than the first row/,
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
