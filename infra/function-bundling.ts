/**
 * How every Lambda handler is bundled: the `runtime` and `nodejs` arguments each
 * sst.aws.Function gets (infra/controller.ts). scripts/build-functions.ts turns this same
 * object into esbuild's options the way SST's CLI does, so `npm run build:functions`,
 * `npm run bench:functions` and the bundle tests look at the bundle `sst deploy` uploads.
 * Plain data: no SST globals, so scripts and tests import it under plain Node.
 */
export const FUNCTION_RUNTIME = "nodejs24.x";

/** The subset of sst.aws.Function's `nodejs` arguments Switchyard sets or the build mirror reads. */
export interface FunctionBundling {
  readonly format?: "esm" | "cjs";
  readonly minify?: boolean;
  readonly splitting?: boolean;
  readonly sourcemap?: boolean;
  readonly banner?: string;
  readonly install?: string[];
  readonly esbuild?: {
    readonly target?: string;
    readonly keepNames?: boolean;
    readonly external?: string[];
    readonly mainFields?: string[];
    readonly conditions?: string[];
    readonly define?: Record<string, string>;
  };
}

export const FUNCTION_BUNDLING = {
  format: "esm",
  // SST's docs give `minify` a default of true, but its CLI (pkg/runtime/node/build.go,
  // v4.17) minifies only when the argument is set: without it the deploy ships unminified.
  minify: true,
  // A dynamic import() becomes its own file, loaded only on the path that needs it: the
  // Spot warning's EC2 lookup, and the AWS SDK's credential providers other than the
  // environment's, which Lambda never reaches.
  splitting: true,
  esbuild: {
    // undici (client-node's HTTP stack) carries two HTTP/1 parsers as inline WASM: llhttp,
    // its default, and the experimental Milo, used only with `useMilo` or UNDICI_USE_MILO=1.
    // undici leaves Milo out of the copy Node core bundles by testing
    // `typeof esbuildDetection === "undefined"` (lib/dispatcher/client-h1.js, undici 8);
    // defining it drops Milo here too: 150 KB less. fetch's default user-agent then reads
    // `node`, as Node's own fetch does; client-node sets its own.
    define: { esbuildDetection: "true" },
  },
  // No `esbuild.external`: SST bundles the AWS SDK v3 unless told otherwise, and so does
  // this: the nodejs24.x runtime's own copy is whatever version AWS ships that month, not
  // the locked one the tests mock.
  // keep-names stays on (SST's default): error classes spell their `name` as a literal
  // anyway, and stack traces keep readable function names.
} satisfies FunctionBundling;
