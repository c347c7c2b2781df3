// `npm run bench:functions`: builds every handler as `sst deploy` does
// (scripts/build-functions.ts mirrors SST's esbuild options), then prints each function's
// package size, what a cold start loads before the handler runs, and the median time Node
// takes to import it (a cold start's module-load share), measured in fresh processes.
// Figures, not assertions.
//
// `npm run bench:functions -- --baseline <git rev>` also builds that commit, from a
// throwaway `git worktree`, the way `sst deploy` built it then (its infra's bundling
// arguments: SST's defaults before infra/function-bundling.ts existed), and prints both
// tables from one run, their import samples interleaved so that load on the machine
// weighs on both alike.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { FunctionBundling } from "../infra/function-bundling.ts";
import { buildFunctions, type FunctionBundle, mebibytes } from "../scripts/build-functions.ts";
import { HANDLERS } from "../scripts/handlers.ts";

const RUNS = 15;
const root = fileURLToPath(new URL("..", import.meta.url));

function importMs(file: string): number {
  const script = `const t=performance.now();await import(${JSON.stringify(pathToFileURL(file).href)});process.stdout.write(String(performance.now()-t));`;
  const output = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
    env: {
      ...process.env,
      AWS_REGION: "us-west-2",
      STATE_MACHINE_ARN: "arn:aws:states:us-west-2:123456789012:stateMachine:bench",
    },
    encoding: "utf8",
  });
  return Number(output);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/**
 * A checkout of `rev` that resolves packages from this tree's node_modules, except our
 * own workspaces, which resolve to the checkout's packages (esbuild follows symlinks, so
 * node_modules/@switchyard/* must point into the checkout, not here). A baseline whose
 * lockfile differs is thus built with this tree's dependency versions.
 */
function checkout(rev: string): { tree: string; remove: () => void } {
  const tree = mkdtempSync(join(tmpdir(), "switchyard-baseline-"));
  execFileSync("git", ["worktree", "add", "--detach", "--force", tree, rev], { cwd: root, stdio: "ignore" });
  const modules = join(tree, "node_modules");
  mkdirSync(join(modules, "@switchyard"), { recursive: true });
  for (const entry of readdirSync(join(root, "node_modules"))) {
    if (entry !== "@switchyard") symlinkSync(join(root, "node_modules", entry), join(modules, entry));
  }
  for (const workspace of readdirSync(join(root, "node_modules", "@switchyard"))) {
    const target = workspace === "functions" ? "functions" : join("packages", workspace);
    symlinkSync(join(tree, target), join(modules, "@switchyard", workspace));
  }
  return {
    tree,
    remove: () =>
      execFileSync("git", ["worktree", "remove", "--force", tree], { cwd: root, stdio: "ignore" }),
  };
}

/** The bundling arguments `rev`'s infra gave sst.aws.Function: none (SST's defaults) before the shared definition. */
async function bundlingOf(tree: string): Promise<FunctionBundling> {
  const file = join(tree, "infra", "function-bundling.ts");
  if (!existsSync(file)) return {};
  const module = (await import(pathToFileURL(file).href)) as { FUNCTION_BUNDLING: FunctionBundling };
  return module.FUNCTION_BUNDLING;
}

function table(title: string, bundles: FunctionBundle[], samples: Map<string, number[]>): void {
  process.stdout.write(
    `\n${title}\n${"function".padEnd(16)} ${"package".padStart(9)} ${"loaded".padStart(9)}  median import (${RUNS} fresh processes)\n`,
  );
  for (const bundle of bundles) {
    process.stdout.write(
      `${bundle.name.padEnd(16)} ${mebibytes(bundle.bytes).padStart(9)} ${mebibytes(bundle.loadedBytes).padStart(9)}  ${median(samples.get(bundle.file) ?? []).toFixed(1)} ms\n`,
    );
  }
}

const flag = process.argv.indexOf("--baseline");
const baselineRev = flag === -1 ? undefined : process.argv[flag + 1];
if (flag !== -1 && (baselineRev === undefined || baselineRev.startsWith("-"))) {
  throw new Error(
    "--baseline needs a git revision, e.g. `npm run bench:functions -- --baseline origin/main`",
  );
}

const out = mkdtempSync(join(tmpdir(), "switchyard-bench-"));
const baseline = baselineRev === undefined ? undefined : checkout(baselineRev);
try {
  const current = await buildFunctions(join(out, "current"));
  const sets: { title: string; bundles: FunctionBundle[] }[] = [];
  if (baseline !== undefined) {
    const nodejs = await bundlingOf(baseline.tree);
    const names = HANDLERS.filter((name) => existsSync(join(baseline.tree, "functions", `${name}.ts`)));
    const before = await buildFunctions(join(out, "baseline"), nodejs, baseline.tree, names);
    sets.push({ title: `baseline ${baselineRev}, nodejs ${JSON.stringify(nodejs)}`, bundles: before });
  }
  sets.push({ title: "this tree, infra/function-bundling.ts", bundles: current });

  const samples = new Map<string, number[]>();
  for (let run = 0; run < RUNS; run++) {
    for (const { bundles } of sets) {
      for (const { file } of bundles) {
        samples.set(file, [...(samples.get(file) ?? []), importMs(file)]);
      }
    }
  }
  for (const { title, bundles } of sets) table(title, bundles, samples);
  process.stdout.write(
    `\npackage: the function's zip without source maps; loaded: the entry and its static imports\nnode ${process.version}\n`,
  );
} finally {
  baseline?.remove();
  rmSync(out, { recursive: true, force: true });
}
