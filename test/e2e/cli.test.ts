import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoPath } from "../support/paths.ts";

/** The installed binary, run the way a user runs it, on this Node (24 under npm scripts). */
function switchyard(...args: string[]) {
  const result = spawnSync(process.execPath, [repoPath("packages/cli/src/bin.ts"), ...args], {
    cwd: repoPath("."),
    encoding: "utf8",
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("Binary: switchyard", () => {
  it("validates the bundled example", () => {
    const run = switchyard("validate", "--config", "examples/sd21/switchyard.yaml");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      "examples/sd21/switchyard.yaml: valid — cluster hw-agnostic-infer in us-west-2, 1 service",
    );
    expect(run.stdout).toContain(
      "5 units (sd21-inf2, sd21-trn1, sd21-a10g-triton, sd21-l4-triton, sd21-a10g-cuda)",
    );
  });

  it("exits 2 and prints all four errors of a bad file with their paths and lines", () => {
    const run = switchyard("validate", "--config", "test/fixtures/configs/four-errors.yaml");
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    const file = "test/fixtures/configs/four-errors.yaml";
    expect(run.stderr).toBe(
      [
        `${file}: 4 errors`,
        `  ${file}:7:5  services[0].slo: is required: the service's latency objective, e.g. slo: { latencyMs: 900, statistic: p95 }`,
        `  ${file}:10:5  services[0].units: lists 6 units; an ALB forward action takes at most 5 target groups — split the units across two services (two Ingress actions) or drop 1`,
        `  ${file}:12:59  services[0].units[1].hourlyPrice: must be a positive number: the price of one pod's instance in USD per hour, e.g. 1.006 (got -1.3438)`,
        `  ${file}:16:11  services[0].units[5].name: duplicate unit name "sd21-inf2": services[0].units[0].name has it already; each must be unique`,
        "",
      ].join("\n"),
    );
  });

  it("exits 2 at once, naming the file, for a config path that is a FIFO or a folder", () => {
    const folder = mkdtempSync(join(tmpdir(), "switchyard-fifo-"));
    const fifo = join(folder, "switchyard.yaml");
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
    // A plain read of a FIFO blocks until a writer opens it: the run must not wait for one.
    const run = spawnSync(
      process.execPath,
      [repoPath("packages/cli/src/bin.ts"), "validate", "--config", fifo],
      {
        cwd: repoPath("."),
        encoding: "utf8",
        timeout: 30_000,
      },
    );
    expect(run.signal).toBeNull();
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(
      `switchyard: cannot read ${fifo}: it is a FIFO (named pipe), not a regular file; pass the path of a file\n`,
    );
    const asFolder = switchyard("validate", "--config", folder);
    expect(asFolder.code).toBe(2);
    expect(asFolder.stderr).toContain(`cannot read ${folder}: it is a folder, not a regular file`);
  });

  it("exits 2 with the usage hint on an unknown command", () => {
    const run = switchyard("deploy");
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/unknown command 'deploy'/);
  });

  it.each([
    ["is a file", (file: string) => file, (file: string) => `${file} is a file, not a folder`],
    ["is under a file", (file: string) => join(file, "report"), () => "a part of it is a file, not a folder"],
  ])("exits 2 with a usage message, before simulating, when --out %s", (_case, outOf, reasonOf) => {
    const file = join(mkdtempSync(join(tmpdir(), "switchyard-out-")), "taken");
    writeFileSync(file, "not a folder\n");
    const out = outOf(file);
    const run = switchyard(
      "simulate",
      "--scenario",
      "test/fixtures/scenarios/short-outage.yaml",
      "--out",
      out,
    );
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(
      `switchyard: cannot write the report to ${out}: ${reasonOf(file)}; pass --out a new or existing folder\n`,
    );
  });

  it("writes plan patches to files with --out-dir, and exits 2 naming --out-dir when it is a file", () => {
    const dir = join(mkdtempSync(join(tmpdir(), "switchyard-patches-")), "patches");
    const run = switchyard(
      "plan",
      "-c",
      "examples/sd21/switchyard.yaml",
      "-m",
      "cost",
      "-o",
      "yaml",
      "--out-dir",
      dir,
    );
    expect(run.code).toBe(0);
    const ingress = join(dir, "sd21-cost-ingress-sd21.yaml");
    expect(run.stdout).toContain(
      `kubectl -n default patch ingress sd21 --type merge --patch-file ${ingress}\n`,
    );
    expect(readFileSync(ingress, "utf8")).toMatch(/^# sd21 · cost mode at 446 RPS: Ingress default\/sd21\n/);

    const file = join(mkdtempSync(join(tmpdir(), "switchyard-patches-")), "taken");
    writeFileSync(file, "not a folder\n");
    const taken = switchyard("plan", "-c", "examples/sd21/switchyard.yaml", "-o", "yaml", "--out-dir", file);
    expect(taken.code).toBe(2);
    expect(taken.stdout).toBe("");
    expect(taken.stderr).toBe(
      `switchyard: cannot write the patches to ${file}: ${file} is a file, not a folder; pass --out-dir a new or existing folder\n`,
    );
  });
});
