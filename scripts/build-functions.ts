// `npm run build:functions`: bundles each Lambda handler in functions/ with esbuild for
// the nodejs24.x runtime (ESM, minified, the AWS SDK bundled at the locked version) into
// dist/functions/<name>/index.mjs, and prints each bundle's size.
import { mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type BuildOptions, build } from "esbuild";
import { HANDLERS } from "./handlers.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const out = `${root}dist/functions`;

/**
 * How each handler is bundled for the nodejs24.x runtime: minified without keep-names, so
 * class names do not survive (error classes spell their `name` as a literal for that).
 * Exported so the tests bundle exactly as the deploy does.
 */
export const LAMBDA_BUNDLE_OPTIONS: BuildOptions = {
  bundle: true,
  platform: "node",
  target: "node24",
  format: "esm",
  minify: true,
  sourcemap: false,
  metafile: true,
  legalComments: "none",
  logLevel: "warning",
  mainFields: ["module", "main"],
  // Some dependencies are CommonJS and call require(); give the ESM bundle one.
  banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
};

export async function buildFunctions(): Promise<{ name: string; bytes: number; file: string }[]> {
  rmSync(out, { recursive: true, force: true });
  const results: { name: string; bytes: number; file: string }[] = [];
  for (const name of HANDLERS) {
    const file = `${out}/${name}/index.mjs`;
    mkdirSync(`${out}/${name}`, { recursive: true });
    const result = await build({
      ...LAMBDA_BUNDLE_OPTIONS,
      entryPoints: [`${root}functions/${name}.ts`],
      outfile: file,
    });
    writeFileSync(`${out}/${name}/meta.json`, JSON.stringify(result.metafile));
    results.push({ name, bytes: statSync(file).size, file });
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const { name, bytes } of await buildFunctions()) {
    process.stdout.write(`${name.padEnd(16)} ${(bytes / 1024 / 1024).toFixed(2)} MB\n`);
  }
}
