// `npm run build:functions`: bundles each Lambda handler in functions/ as `sst deploy` does
// (infra/function-bundling.ts through SST's own esbuild options, below) into
// dist/functions/<name>/, and prints each function's package size.
import { mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type BuildOptions, build, type Metafile } from "esbuild";
import { FUNCTION_BUNDLING, FUNCTION_RUNTIME, type FunctionBundling } from "../infra/function-bundling.ts";
import { HANDLERS } from "./handlers.ts";

const root = fileURLToPath(new URL("..", import.meta.url));

/** SST's `targetMap`: the esbuild target it picks for each Lambda runtime unless `esbuild.target` is set. */
const SST_RUNTIME_TARGET: Readonly<Record<string, string>> = {
  "nodejs24.x": "es2024",
  "nodejs22.x": "es2023",
  "nodejs20.x": "es2023",
};

/** Packages SST's CLI always leaves out of the bundle (`forceExternal`). */
const SST_FORCE_EXTERNAL = ["sharp", "pg-native"];

/** The banner SST puts on every ESM bundle, then `nodejs.banner` on its own line. */
const SST_ESM_BANNER = [
  `import { createRequire as topLevelCreateRequire } from 'module';`,
  `const require = topLevelCreateRequire(import.meta.url);`,
  `import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url"`,
  `const __filename = topLevelFileUrlToPath(import.meta.url)`,
  `const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url))`,
];

/**
 * esbuild's options for one handler, as SST's CLI derives them from sst.aws.Function's
 * `runtime` and `nodejs` arguments for a deploy (not `sst dev`). Mirrors
 * pkg/runtime/node/build.go and node.go of sst/sst v4.17.0 (the CLI in node_modules is
 * 4.17.1): platform node, bundle, ESM, target from the runtime, keep-names on unless
 * `esbuild.keepNames` is false, linked source maps (SST uploads the .map files apart
 * and leaves them out of the function's zip), mainFields module then main, its
 * createRequire banner, external only `sharp`, `pg-native`, `install` and
 * `esbuild.external` — so the AWS SDK v3 is bundled at the locked version, not taken
 * from the runtime — and minified only when `minify` is set. With `splitting` the entry
 * is `bundle.mjs` in the output folder next to its chunks. SST passes no other esbuild
 * option (its `esbuild.inject` and `esbuild.banner` never reach esbuild), so neither
 * does this. SST's CLI embeds esbuild 0.27.2 (Go); this runs the npm esbuild in
 * package.json.
 */
export function sstEsbuildOptions(
  nodejs: FunctionBundling,
  runtime: string,
  entry: string,
  outdir: string,
): BuildOptions {
  const esm = nodejs.format !== "cjs";
  const extension = esm ? ".mjs" : ".cjs";
  const esbuild = nodejs.esbuild ?? {};
  const minify = nodejs.minify === true;
  return {
    entryPoints: [entry],
    platform: "node",
    external: [...SST_FORCE_EXTERNAL, ...(nodejs.install ?? []), ...(esbuild.external ?? [])],
    keepNames: esbuild.keepNames ?? true,
    bundle: true,
    splitting: nodejs.splitting === true,
    metafile: true,
    // SST: `sourcemap: false` still yields linked maps; they stay out of the zip either way.
    sourcemap: "linked",
    write: true,
    format: esm ? "esm" : "cjs",
    target: esbuild.target ?? SST_RUNTIME_TARGET[runtime] ?? "esnext",
    mainFields: esbuild.mainFields ?? (esm ? ["module", "main"] : ["main"]),
    ...(esbuild.conditions === undefined ? {} : { conditions: esbuild.conditions }),
    ...(esbuild.define === undefined ? {} : { define: esbuild.define }),
    banner: { js: esm ? [...SST_ESM_BANNER, nodejs.banner ?? ""].join("\n") : (nodejs.banner ?? "") },
    ...(nodejs.splitting === true
      ? { outdir, outExtension: { ".js": ".mjs" }, entryNames: "bundle" }
      : { outfile: join(outdir, `bundle${extension}`) }),
    minifyWhitespace: minify,
    minifySyntax: minify,
    minifyIdentifiers: minify,
    logLevel: "warning",
  };
}

/** What `sst deploy` would build for one handler, and what the function's zip would hold of it. */
export interface FunctionBundle {
  readonly name: string;
  /** The handler's module (`bundle.mjs`), which the runtime imports. */
  readonly file: string;
  /** Every code file in the zip (entry and chunks; source maps stay out): the package size. */
  readonly bytes: number;
  /** The entry and the chunks it imports statically: what a cold start loads before the handler runs. */
  readonly loadedBytes: number;
  readonly metafile: Metafile;
}

/** The output files an entry loads before its code runs: itself and its static imports, transitively. */
export function staticallyLoaded(metafile: Metafile, entry: string): string[] {
  const seen = new Set<string>();
  const visit = (output: string) => {
    if (seen.has(output)) return;
    seen.add(output);
    for (const imported of metafile.outputs[output]?.imports ?? []) {
      if (imported.kind === "import-statement" && !imported.external) visit(imported.path);
    }
  };
  visit(entry);
  return [...seen];
}

/** Builds one handler of the tree at `tree` (default this one) into `outdir`, with the given bundling arguments. */
async function buildFunction(
  name: string,
  outdir: string,
  nodejs: FunctionBundling = FUNCTION_BUNDLING,
  tree: string = root,
): Promise<FunctionBundle> {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const source = `functions/${name}.ts`;
  const options = sstEsbuildOptions(nodejs, FUNCTION_RUNTIME, join(tree, source), outdir);
  const { metafile } = await build({ ...options, absWorkingDir: tree });
  if (metafile === undefined) throw new Error(`esbuild returned no metafile for ${name}`);
  writeFileSync(join(outdir, "meta.json"), JSON.stringify(metafile));
  const outputs = Object.keys(metafile.outputs).filter((output) => !output.endsWith(".map"));
  // Output paths are relative to the tree; each dynamic import() is an entry point of its own.
  const entry = outputs.find((output) => metafile.outputs[output]?.entryPoint === source);
  if (entry === undefined) throw new Error(`esbuild wrote no entry module for ${name}`);
  const size = (output: string) => statSync(join(tree, output)).size;
  return {
    name,
    file: join(tree, entry),
    bytes: outputs.reduce((sum, output) => sum + size(output), 0),
    loadedBytes: staticallyLoaded(metafile, entry).reduce((sum, output) => sum + size(output), 0),
    metafile,
  };
}

/** Every handler, built as the deploy builds it, into `<out>/<name>/`. */
export async function buildFunctions(
  out: string = join(root, "dist", "functions"),
  nodejs: FunctionBundling = FUNCTION_BUNDLING,
  tree: string = root,
  handlers: readonly string[] = HANDLERS,
): Promise<FunctionBundle[]> {
  const bundles: FunctionBundle[] = [];
  for (const name of handlers) {
    bundles.push(await buildFunction(name, join(out, name), nodejs, tree));
  }
  return bundles;
}

export const mebibytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MiB`;

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const { name, bytes, loadedBytes } of await buildFunctions()) {
    process.stdout.write(
      `${name.padEnd(16)} ${mebibytes(bytes)} (${mebibytes(loadedBytes)} loaded at start)\n`,
    );
  }
}
