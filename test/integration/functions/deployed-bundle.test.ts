import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { KubernetesClusterGateway } from "@switchyard/adapters";
import type { Metafile } from "esbuild";
import { afterAll, describe, expect, it } from "vitest";
import { FUNCTION_BUNDLING, FUNCTION_RUNTIME } from "../../../infra/function-bundling.ts";
import { sstEsbuildOptions, staticallyLoaded } from "../../../scripts/build-functions.ts";
import { bundleAsDeployed } from "../../support/deployed-bundle.ts";
import { KubeApiDouble } from "../../support/kube-api-double.ts";
import { seedSd21 } from "../../support/kube-objects.ts";
import { readRepoFile, repoPath } from "../../support/paths.ts";
import { sd21Service } from "../../support/sd21.ts";

/** esbuild bundles a handler in a few seconds alone; allow for a busy machine. */
const BUILD_TIMEOUT_MS = 120_000;
const dir = mkdtempSync(join(tmpdir(), "switchyard-deployed-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const EC2_SDK = "node_modules/@aws-sdk/client-ec2/";

/** The output modules of a build, by whether the handler's entry loads them before it runs. */
function outputs(metafile: Metafile, entry: string) {
  const start = new Set(staticallyLoaded(metafile, relative(repoPath("."), entry)));
  const code = Object.keys(metafile.outputs).filter((output) => !output.endsWith(".map"));
  const holding = (prefix: string) =>
    code.filter((output) =>
      Object.keys(metafile.outputs[output]?.inputs ?? {}).some((i) => i.startsWith(prefix)),
    );
  return { start, code, holding };
}

describe("Bundle: as sst deploy builds it", () => {
  it("translates sst.aws.Function's nodejs arguments into esbuild's options as SST's CLI does", () => {
    // SST v4.17 pkg/runtime/node/build.go: keep-names and linked maps unless told
    // otherwise, the runtime's target, `minify` only when set, the AWS SDK bundled.
    const defaults = sstEsbuildOptions({}, "nodejs24.x", "functions/evaluate.ts", "out");
    expect(defaults).toMatchObject({
      platform: "node",
      format: "esm",
      bundle: true,
      keepNames: true,
      sourcemap: "linked",
      target: "es2024",
      mainFields: ["module", "main"],
      external: ["sharp", "pg-native"],
      splitting: false,
      outfile: join("out", "bundle.mjs"),
      minifyWhitespace: false,
      minifySyntax: false,
      minifyIdentifiers: false,
    });
    expect(defaults.banner?.js).toContain("const require = topLevelCreateRequire(import.meta.url);");

    const deployed = sstEsbuildOptions(FUNCTION_BUNDLING, FUNCTION_RUNTIME, "functions/evaluate.ts", "out");
    expect(deployed).toMatchObject({
      keepNames: true,
      splitting: true,
      outdir: "out",
      entryNames: "bundle",
      minifyWhitespace: true,
      minifySyntax: true,
      minifyIdentifiers: true,
    });
  });

  it("gives every function in infra/ the runtime and bundling the build, the bench and these tests use", () => {
    const infra = readdirSync(repoPath("infra")).map((file) => readRepoFile(`infra/${file}`));
    const functions = infra.flatMap((source) => source.split("new sst.aws.Function(").slice(1));
    expect(functions.length).toBeGreaterThan(0);
    for (const args of functions) {
      expect(args).toContain("runtime: FUNCTION_RUNTIME,");
      expect(args).toContain("nodejs: FUNCTION_BUNDLING,");
    }
  });

  it(
    "loads the EC2 SDK in the evaluate function only on a Spot warning's path, and not at all in a step",
    async () => {
      // Act
      const evaluate = await bundleAsDeployed(
        { entry: repoPath("functions/evaluate.ts") },
        join(dir, "evaluate"),
      );
      const step = await bundleAsDeployed(
        { entry: repoPath("functions/plan-switch.ts") },
        join(dir, "plan-switch"),
      );

      // Assess: a chunk of its own that the entry does not import statically.
      const atEvaluate = outputs(evaluate.metafile, evaluate.file);
      expect(atEvaluate.holding(EC2_SDK)).toHaveLength(1);
      expect(atEvaluate.holding(EC2_SDK).filter((output) => atEvaluate.start.has(output))).toEqual([]);
      expect(
        atEvaluate.holding("node_modules/@kubernetes/client-node/").every((o) => atEvaluate.start.has(o)),
      ).toBe(true);
      expect(outputs(step.metafile, step.file).holding(EC2_SDK)).toEqual([]);
    },
    BUILD_TIMEOUT_MS,
  );

  it(
    "reads the cluster over HTTPS, verified against the cluster's CA, from a bundle built as deployed",
    async () => {
      // Prepare: client-node's HTTP stack (undici) as the deploy bundles it, trimmed by
      // FUNCTION_BUNDLING's esbuild options, against the API double over TLS.
      const { file } = await bundleAsDeployed(
        {
          stdin: [
            `export { KubernetesClusterGateway } from "@switchyard/adapters";`,
            `export { kubeConfigFor } from "./packages/adapters/src/kube/kube-config.ts";`,
          ].join("\n"),
        },
        join(dir, "gateway"),
      );
      const bundled = (await import(pathToFileURL(file).href)) as typeof import("@switchyard/adapters") &
        typeof import("../../../packages/adapters/src/kube/kube-config.ts");
      const double = new KubeApiDouble({
        tls: {
          key: readRepoFile("test/fixtures/tls/server.key"),
          cert: readRepoFile("test/fixtures/tls/server.pem"),
        },
      });
      await double.start();
      try {
        seedSd21(double);
        const endpoint = {
          server: double.url,
          caData: Buffer.from(readFileSync(repoPath("test/fixtures/tls/ca.pem"))).toString("base64"),
          token: "k8s-aws-v1.double-token",
        };
        const gateway = new bundled.KubernetesClusterGateway({
          kubeConfig: async () => bundled.kubeConfigFor(endpoint),
        });

        const unbundled = new KubernetesClusterGateway({ kubeConfig: async () => double.kubeConfig() });

        // Act
        const state = await gateway.readService(sd21Service());

        // Assess: what the unbundled client reads, every request answered.
        expect(state.ingress.name).toBe("sd21");
        expect(state).toEqual(await unbundled.readService(sd21Service()));
        expect(double.requests.map((request) => request.status)).not.toContain(401);
      } finally {
        await double.stop();
      }
    },
    BUILD_TIMEOUT_MS,
  );
});
