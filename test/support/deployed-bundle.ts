import { join } from "node:path";
import { build } from "esbuild";
import { FUNCTION_BUNDLING, FUNCTION_RUNTIME } from "../../infra/function-bundling.ts";
import { sstEsbuildOptions } from "../../scripts/build-functions.ts";
import { repoPath } from "./paths.ts";

/**
 * Bundles a module (a file, or source resolved from the repository's root) into `outdir`
 * exactly as `sst deploy` bundles a handler (infra/function-bundling.ts through
 * scripts/build-functions.ts), and returns the entry module's path.
 */
export async function bundleAsDeployed(
  source: { readonly entry: string } | { readonly stdin: string },
  outdir: string,
): Promise<{ readonly file: string; readonly metafile: import("esbuild").Metafile }> {
  const options = sstEsbuildOptions(
    FUNCTION_BUNDLING,
    FUNCTION_RUNTIME,
    "entry" in source ? source.entry : "stdin",
    outdir,
  );
  const { metafile } = await build({
    ...options,
    ...("entry" in source
      ? {}
      : {
          entryPoints: [],
          stdin: { contents: source.stdin, resolveDir: repoPath("."), loader: "ts", sourcefile: "entry.ts" },
        }),
    absWorkingDir: repoPath("."),
    logLevel: "error",
  });
  if (metafile === undefined) throw new Error("esbuild returned no metafile");
  const extension = options.format === "cjs" ? "cjs" : "mjs";
  return { file: join(outdir, `bundle.${extension}`), metafile };
}
