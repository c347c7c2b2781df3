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
  "functions/shared/evaluation-cause.ts",
];

/**
 * Every error class takes `(message, options?)`; the options a class requires, by class.
 * A class missing here fails the completeness check.
 */
const REQUIRED_OPTIONS: Record<string, object | undefined> = {
  SwitchyardError: { code: "X" },
  ConfigError: { source: "switchyard.yaml", issues: [{ path: "(root)", message: "m" }] },
  PlanningError: undefined,
  ManifestError: { object: "Ingress default/sd21" },
  AdapterError: { code: "X", retryable: false },
  MetricsUnavailableError: undefined,
  CapacityRecordError: undefined,
  LoadBalancerNotFoundError: undefined,
  RoutingNotAppliedError: undefined,
  RoutingRejectedError: undefined,
  AwsCallError: { retryable: false },
  KubernetesForbiddenError: undefined,
  KubernetesNotFoundError: undefined,
  KubernetesConflictError: undefined,
  KubernetesRejectedError: undefined,
  KubernetesUnavailableError: undefined,
  ClusterAccessError: { retryable: false },
  UnknownUnitError: undefined,
  SwitchInputError: undefined,
  EvaluationError: { failures: [{ service: "sd21", error: new Error("m") }] },
  SwitchSupersededError: undefined,
  SwitchAbortedError: undefined,
  ReceiversNotReadyError: undefined,
  ForeignRoutingError: undefined,
  ScalingNotResumedError: undefined,
  TransientError: undefined,
  UsageError: undefined,
  UnreachableError: undefined,
  RefusedError: undefined,
  InputFileError: undefined,
  OutputFolderError: { path: "out/x" },
  LoadTestFileError: { problems: ["line 2: m"] },
  NoBreakingPointError: undefined,
  PlanInfeasibleError: undefined,
  SimulatedApiError: { code: "X", status: 409 },
  ConflictError: undefined,
  PatchRejectedError: undefined,
  UnknownPolicyError: undefined,
  UnsupportedEventError: undefined,
  WorkflowRuntimeError: { state: "Plan" },
};

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
    expect([...new Set(classes.map(([name]) => name))].sort()).toEqual(Object.keys(REQUIRED_OPTIONS).sort());
    const cause = new Error("the cause");
    for (const [exportName, cls] of classes) {
      const error = new cls(...(["m", { ...REQUIRED_OPTIONS[exportName], cause }] as never[]));
      expect({ exportName, name: error.name, message: error.message, cause: error.cause }).toEqual({
        exportName,
        name: exportName,
        message: "m",
        cause,
      });
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
