import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildFunctions, mebibytes } from "../../../scripts/build-functions.ts";

/** Eight handlers, built one after the other as `sst deploy` builds them; allow for a busy machine. */
const BUILD_TIMEOUT_MS = 300_000;
const MIB = 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), "switchyard-bundles-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * client-node's generated per-group API classes: each carries every method of its group
 * (CoreV1Api alone is hundreds of KB minified), so the gateway reads built-in objects
 * through the generic KubernetesObjectApi instead.
 */
const GENERATED_GROUP_APIS =
  /@kubernetes\/client-node\/dist\/gen\/apis\/(CoreV1Api|AppsV1Api|NetworkingV1Api|AutoscalingV2Api)\.js$/;

describe("Bundle: every function as deployed", () => {
  it(
    "loads at most 2 MiB at a cold start and holds none of client-node's generated Core, Apps, Networking or Autoscaling APIs",
    async () => {
      // Act
      const bundles = await buildFunctions(dir);

      // Assess
      expect(bundles.length).toBeGreaterThan(1);
      for (const bundle of bundles) {
        expect(
          bundle.loadedBytes,
          `${bundle.name} loads ${mebibytes(bundle.loadedBytes)}`,
        ).toBeLessThanOrEqual(2 * MIB);
        const inputs = Object.values(bundle.metafile.outputs).flatMap((output) =>
          Object.entries(output.inputs)
            .filter(([, input]) => input.bytesInOutput > 0)
            .map(([path]) => path),
        );
        expect(
          inputs.filter((path) => GENERATED_GROUP_APIS.test(path)),
          bundle.name,
        ).toEqual([]);
      }
    },
    BUILD_TIMEOUT_MS,
  );
});
