import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleAsDeployed } from "../../support/deployed-bundle.ts";
import { useLambdaEnvironment } from "../../support/lambda-env.ts";
import { repoPath } from "../../support/paths.ts";

// Step Functions takes a Lambda error's type from the thrown error's `name`
// (the runtime reports it as `errorType`), and the workflow's Retry and Catch match
// on it. The deploy bundles minified (infra/function-bundling.ts); keep-names is on, but
// the names must not hang on an esbuild option, so these tests look at the names in
// bundles built exactly as `sst deploy` builds them (test/support/deployed-bundle.ts).

/** Every error module of ours, re-exported from one entry, bundled as a handler is. */
const ERROR_MODULES = [
  "packages/core/src/errors.ts",
  "packages/adapters/src/errors.ts",
  "packages/controller/src/errors.ts",
  "packages/cli/src/errors.ts",
  "packages/sim/src/errors.ts",
  "functions/shared/step-errors.ts",
  "functions/shared/evaluation-cause.ts",
];

/** Arguments each constructor needs; a class missing here fails the completeness check. */
const CONSTRUCT: Record<string, (cls: new (...args: never[]) => Error) => Error> = {};
const ctor =
  (...args: unknown[]) =>
  (cls: new (...a: never[]) => Error) =>
    new cls(...(args as never[]));
const message = ctor("m");
const adapterOptions = ctor("m", { retryable: false });
Object.assign(CONSTRUCT, {
  SwitchyardError: ctor("m", { code: "X" }),
  ConfigError: ctor("switchyard.yaml", [{ path: "(root)", message: "m" }]),
  PlanningError: message,
  ManifestError: ctor("Ingress default/sd21", "m"),
  AdapterError: ctor("m", { code: "X", retryable: false }),
  MetricsUnavailableError: message,
  CapacityRecordError: message,
  LoadBalancerNotFoundError: message,
  RoutingNotAppliedError: message,
  RoutingRejectedError: message,
  AwsCallError: adapterOptions,
  KubernetesForbiddenError: message,
  KubernetesNotFoundError: message,
  KubernetesConflictError: message,
  KubernetesRejectedError: message,
  KubernetesUnavailableError: message,
  ClusterAccessError: adapterOptions,
  UnknownUnitError: message,
  SwitchInputError: message,
  EvaluationError: ctor([{ service: "sd21", error: new Error("m") }]),
  SwitchSupersededError: message,
  ReceiversNotReadyError: message,
  ForeignRoutingError: message,
  ScalingNotResumedError: message,
  UsageError: message,
  UnreachableError: message,
  InputFileError: ctor("x.yaml", Object.assign(new Error("m"), { code: "ENOENT" })),
  OutputFolderError: ctor("out/x", Object.assign(new Error("m"), { code: "EEXIST" })),
  LoadTestFileError: ctor("t.csv", ["line 2: m"]),
  NoBreakingPointError: message,
  PlanInfeasibleError: ctor([
    { service: "sd21", mode: "cost", demandRps: 1, headroom: 0.1, shortfallRps: 1 },
  ]),
  SimulatedApiError: ctor("m", 409, "X"),
  ConflictError: ctor("Ingress default/sd21", "1", "2"),
  PatchRejectedError: ctor("ScaledObject default/x", "m"),
  UnknownPolicyError: ctor("x", ["switchyard"]),
  TransientError: ctor(new Error("m")),
  UnsupportedEventError: message,
  WorkflowRuntimeError: ctor("Plan", "m"),
});

const dir = mkdtempSync(join(tmpdir(), "switchyard-bundle-"));
/** esbuild bundles in a few seconds alone; allow for a busy machine. */
const BUILD_TIMEOUT_MS = 90_000;

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function bundle(name: string, options: { entry: string } | { stdin: string }): Promise<string> {
  return (await bundleAsDeployed(options, join(dir, name))).file;
}

describe("Bundle: error names", () => {
  let exported: Record<string, Record<string, unknown>>;

  beforeAll(async () => {
    // One namespace per module, so a name defined twice would show as two exports.
    const entry = ERROR_MODULES.map((m, i) => `export * as m${i} from "./${m}";`).join("\n");
    exported = await import(pathToFileURL(await bundle("errors", { stdin: entry })).href);
  }, BUILD_TIMEOUT_MS);

  it("keeps each error class's own name in a minified bundle", () => {
    const classes = Object.values(exported)
      .flatMap((module) => Object.entries(module))
      .filter(
        (e): e is [string, new (...args: never[]) => Error] =>
          typeof e[1] === "function" && e[1].prototype instanceof Error,
      );
    expect([...new Set(classes.map(([name]) => name))].sort()).toEqual(Object.keys(CONSTRUCT).sort());
    for (const [exportName, cls] of classes) {
      const error = CONSTRUCT[exportName]?.(cls);
      expect({ exportName, name: error?.name }).toEqual({ exportName, name: exportName });
    }
  });

  it(
    "throws the name the workflow catches from a built handler",
    async () => {
      useLambdaEnvironment();
      const file = await bundle("plan-switch", { entry: repoPath("functions/plan-switch.ts") });
      const { handler } = (await import(pathToFileURL(file).href)) as {
        handler: (event: unknown) => Promise<unknown>;
      };
      const failure = await handler({ input: { service: "sd21" } }).catch((error: Error) => error);
      expect(failure).toBeInstanceOf(Error);
      expect((failure as Error).name).toBe("SwitchInputError");
    },
    BUILD_TIMEOUT_MS,
  );
});
