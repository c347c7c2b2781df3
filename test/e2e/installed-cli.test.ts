import { execFileSync, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readRepoFile, repoPath } from "../support/paths.ts";

// The package `npm run pack:cli` makes, installed as a user installs it: into an empty
// folder outside the repository, then run from a third folder on a config and a scenario
// that live in a fourth. The install takes the npm cache `npm ci` filled first
// (--prefer-offline); only registry metadata it lacks is fetched.

const node = dirname(process.execPath);
let home: string;
let tarball: string;
let bin: string;
let elsewhere: string;
let cwd: string;

/** The installed `switchyard`, on this Node only (the PATH the user's shell would have). */
function switchyard(...args: string[]) {
  const result = spawnSync(bin, args, {
    cwd,
    encoding: "utf8",
    env: { PATH: [node, "/usr/bin", "/bin"].join(delimiter), HOME: home, NO_COLOR: "1" },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A six-hour scenario with an inf2 outage, next to a copy of the example config. */
const SCENARIO = `name: away
config: ../config/switchyard.yaml
start: 2026-11-16T10:00:00Z
duration: 6h
demand: { shape: constant, rps: 400 }
capacity:
  - { instanceType: inf2.xlarge, from: 1h, to: 3h }
`;

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), "switchyard-installed-"));
  expect(relative(repoPath("."), home).startsWith("..")).toBe(true);
  // Pack: the script's last line is the tarball's path.
  const packed = execFileSync("npm", ["run", "pack:cli"], { cwd: repoPath("."), encoding: "utf8" });
  tarball = packed.trimEnd().split("\n").at(-1) as string;
  // Install into an empty folder.
  const prefix = join(home, "install");
  mkdirSync(prefix);
  execFileSync(
    "npm",
    ["install", "--prefer-offline", "--no-audit", "--no-fund", "--no-save", "--loglevel", "error", tarball],
    { cwd: prefix, encoding: "utf8", env: { ...process.env, npm_config_yes: "true" } },
  );
  bin = join(prefix, "node_modules", ".bin", "switchyard");
  // The user's files, and a folder to run from that holds neither the package nor them.
  elsewhere = join(home, "elsewhere");
  mkdirSync(join(elsewhere, "config"), { recursive: true });
  mkdirSync(join(elsewhere, "scenarios"));
  writeFileSync(join(elsewhere, "config", "switchyard.yaml"), readRepoFile("examples/sd21/switchyard.yaml"));
  writeFileSync(join(elsewhere, "scenarios", "away.yaml"), SCENARIO);
  cwd = join(home, "work");
  mkdirSync(cwd);
}, 240_000);

afterAll(() => {
  rmSync(home, { recursive: true, force: true });
});

describe("Package: the installed switchyard CLI", () => {
  it("is a scoped package of JavaScript, with the workspace packages bundled and only the native renderer as a pinned dependency", () => {
    expect(tarball).toMatch(/switchyard-cli-\d+\.\d+\.\d+\.tgz$/);
    const installed = join(dirname(dirname(bin)), "@switchyard", "cli");
    const manifest = JSON.parse(readFileSync(join(installed, "package.json"), "utf8"));
    const lock = JSON.parse(readRepoFile("package-lock.json"));
    expect(manifest.name).toBe("@switchyard/cli");
    expect(manifest.bin).toEqual({ switchyard: "bin/switchyard.mjs" });
    expect(manifest.engines).toEqual(JSON.parse(readRepoFile("package.json")).engines);
    expect(manifest.dependencies).toEqual({
      "@resvg/resvg-js": lock.packages["node_modules/@resvg/resvg-js"].version,
    });
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory() ? files(join(dir, entry.name)) : [join(dir, entry.name)],
      );
    const shipped = files(installed).map((file) => relative(installed, file));
    expect(shipped.filter((file) => file.endsWith(".ts"))).toEqual([]);
    expect(shipped).toContain("THIRD-PARTY-NOTICES.md");
    // Nothing of ours is resolved at run time: no @switchyard import is left in the code.
    const code = shipped.filter((file) => file.endsWith(".mjs"));
    expect(
      code.filter((file) => readFileSync(join(installed, file), "utf8").includes('from"@switchyard/')),
    ).toEqual([]);
    expect(existsSync(join(dirname(dirname(bin)), "@switchyard", "core"))).toBe(false);
  });

  it("prints its version", () => {
    const run = switchyard("--version");
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${JSON.parse(readRepoFile("packages/cli/package.json")).version}\n`);
  });

  it("validates and plans a config in another folder, by absolute and by relative path", () => {
    const config = join(elsewhere, "config", "switchyard.yaml");
    const valid = switchyard("validate", "--config", config);
    expect(valid.code).toBe(0);
    expect(valid.stdout).toContain(`${config}: valid — cluster hw-agnostic-infer in us-west-2, 1 service`);

    const plan = switchyard("plan", "--config", relative(cwd, config), "--demand", "1000", "-o", "json");
    expect(plan.code).toBe(0);
    const json = JSON.parse(plan.stdout);
    expect(json.services[0]).toMatchObject({ name: "sd21", demandRps: 1000 });
    expect(Object.keys(json.services[0].modes)).toEqual(["cost", "capacity"]);
  });

  it("simulates a scenario from another folder, with its charts rendered to PNG", () => {
    const out = join(cwd, "report");
    const run = switchyard(
      "simulate",
      "--scenario",
      join(elsewhere, "scenarios", "away.yaml"),
      "--policies",
      "switchyard,static-cost",
      "--out",
      out,
    );
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^away · service sd21 · 6 h from 2026-11-16 10:00 UTC/);
    expect(run.stdout).toContain(`report: ${join(out, "report.md")}`);
    const png = readFileSync(join(out, "throughput.png"));
    expect(png.subarray(1, 4).toString()).toBe("PNG");
    expect(JSON.parse(readFileSync(join(out, "summary.json"), "utf8")).policies).toHaveLength(2);
  });
});
