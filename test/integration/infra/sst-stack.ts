import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { basename, extname, join } from "node:path";
import { inflateRawSync } from "node:zlib";
import { build } from "esbuild";
import { repoPath } from "../../support/paths.ts";

/**
 * Runs `sst.config.ts` (and so every file of infra/) the way `sst deploy` runs it, on
 * SST's real component sources (.sst/platform, extracted by `sst install`), with Pulumi's
 * runtime mocks standing in for the engine and AWS, and returns every resource it
 * registers with its resolved inputs.
 *
 * What SST's CLI does and this does instead:
 * - The CLI bundles the config with esbuild, `define`s `$app`, `$cli` and `$dev` as JSON,
 *   injects `platform/src/shim/run.js` (whose exports become the `$util`, `$output`,
 *   `$interpolate`, `$resolve`, `$jsonStringify`, `$config`... globals), prepends
 *   `import * as aws from "@pulumi/aws"` per provider lock entry and
 *   `import * as sst from "platform/src/components"`, and runs
 *   `run(mod.run)` from `platform/src/auto/run.ts` as the Pulumi program
 *   (sst/sst pkg/project/run.go, `js.Build(...Define, Inject, Globals...)`). Here the same
 *   values are set on globalThis before the same modules are imported, and
 *   `run(mod.run)` runs inside `runtime.runInPulumiStack`, as Pulumi's Node.js host runs
 *   a program.
 * - The components ask the CLI's RPC server (`SST_SERVER`, `platform/src/components/rpc/rpc.ts`)
 *   for the asset bucket (`Provider.Aws.Bootstrap`) and to build each function's handler
 *   (`Runtime.Build`). A local HTTP server answers both. Its build resolves the handler's
 *   file and names the output and the handler as SST's Node runtime does (sst/sst
 *   pkg/runtime/node/build.go: `<file>.mjs` in the function's artifact directory, handler
 *   `<file>.<export>`, "Handler not found" when the file is missing), and compiles the
 *   entry with esbuild under that runtime's options (ESM, esnext, keepNames, minify by
 *   default, the createRequire banner, no sourcemap outside dev), but without bundling
 *   its imports: that is what keeps the run to seconds (see Runtime.Build below).
 * - AWS: `newResource` answers each resource with its inputs and the ids and ARNs AWS
 *   gives it; `call` answers the data sources the stack reads (getCallerIdentity,
 *   getPartition, getRegion, eks.getCluster, iam.getPolicyDocument).
 */

export const ACCOUNT = "123456789012";
export const APP = { name: "switchyard", stage: "test" } as const;

const PLATFORM = repoPath(".sst/platform");

export interface RegisteredResource {
  readonly type: string;
  /** The Pulumi (logical) name. */
  readonly name: string;
  readonly custom: boolean;
  readonly inputs: Record<string, unknown>;
  /** What the mock answered: the inputs plus id, name and ARN. */
  readonly state: Record<string, unknown>;
}

export interface InvokeCall {
  readonly token: string;
  readonly inputs: Record<string, unknown>;
}

export interface StackRun {
  readonly resources: readonly RegisteredResource[];
  readonly invokes: readonly InvokeCall[];
  readonly outputs: Record<string, unknown>;
  /** `$cli.paths.work`: SST writes each function's code.zip under artifacts/<component>/. */
  readonly work: string;
  /** The RPC methods the components called on the CLI, in order. */
  readonly rpc: readonly string[];
}

interface MockResourceArgs {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  custom?: boolean;
  id?: string;
}

interface MockCallArgs {
  token: string;
  inputs: Record<string, unknown>;
}

/** The part of `@pulumi/pulumi` this harness uses (loaded from SST's platform, untyped here). */
interface PulumiRuntime {
  setMocks(
    mocks: {
      newResource(args: MockResourceArgs): { id: string; state: Record<string, unknown> };
      call(args: MockCallArgs): Record<string, unknown>;
    },
    project: string,
    stack: string,
    preview: boolean,
  ): Promise<void>;
  runInPulumiStack(init: () => Promise<unknown>): Promise<Record<string, unknown> | undefined>;
  disconnect(): Promise<void>;
}

/**
 * `sst install` extracts the platform (as `npm run typecheck` does first); a fresh clone
 * that runs only `npm test` gets it here. Offline: see scripts/sst-platform.mjs.
 */
export function ensureSstPlatform(): void {
  if (!existsSync(join(PLATFORM, "src", "components", "index.ts"))) {
    execFileSync(process.execPath, [repoPath("scripts/sst-platform.mjs")], { stdio: "inherit" });
  }
}

/** Where AWS puts a resource of this Pulumi type, named so: the ARN the mock answers with. */
function arnOf(type: string, physicalName: string, region: string): string {
  const [service = "", kind = ""] = type.replace(/^aws:/, "").split(/[/:]/);
  switch (service) {
    case "lambda":
      return `arn:aws:lambda:${region}:${ACCOUNT}:function:${physicalName}`;
    case "sns":
      return `arn:aws:sns:${region}:${ACCOUNT}:${physicalName}`;
    case "sfn":
      return `arn:aws:states:${region}:${ACCOUNT}:stateMachine:${physicalName}`;
    case "iam":
      return `arn:aws:iam::${ACCOUNT}:${kind === "role" ? "role" : "policy"}/${physicalName}`;
    case "cloudwatch":
      if (kind === "logGroup") return `arn:aws:logs:${region}:${ACCOUNT}:log-group:${physicalName}`;
      if (kind === "eventRule") return `arn:aws:events:${region}:${ACCOUNT}:rule/${physicalName}`;
      if (kind === "metricAlarm") return `arn:aws:cloudwatch:${region}:${ACCOUNT}:alarm:${physicalName}`;
      return `arn:aws:cloudwatch:${region}:${ACCOUNT}:${kind}/${physicalName}`;
    case "s3":
      return `arn:aws:s3:::${physicalName}`;
    default:
      return `arn:aws:${service}:${region}:${ACCOUNT}:${kind}/${physicalName}`;
  }
}

/**
 * Renders `aws.iam.getPolicyDocument` as the AWS provider's data source does
 * (aws_iam_policy_document): Version 2012-10-17, one Statement per input statement with
 * Effect, Action, Resource and Condition `{test: {variable: values}}`; a one-element list
 * is written as a plain string.
 */
function policyDocument(inputs: Record<string, unknown>): Record<string, unknown> {
  const oneOrMany = (values: unknown): unknown =>
    Array.isArray(values) && values.length === 1 ? values[0] : values;
  const statements = (inputs.statements as Record<string, unknown>[] | undefined) ?? [];
  const json = {
    Version: "2012-10-17",
    Statement: statements.map((statement) => {
      const conditions =
        (statement.conditions as { test: string; variable: string; values: string[] }[]) ?? [];
      const principals = (statement.principals as { type: string; identifiers: string[] }[]) ?? [];
      return {
        Effect: statement.effect ?? "Allow",
        ...(statement.actions === undefined ? {} : { Action: oneOrMany(statement.actions) }),
        ...(statement.resources === undefined ? {} : { Resource: oneOrMany(statement.resources) }),
        ...(principals.length === 0
          ? {}
          : {
              Principal: Object.fromEntries(principals.map((p) => [p.type, oneOrMany(p.identifiers)])),
            }),
        ...(conditions.length === 0
          ? {}
          : {
              Condition: conditions.reduce<Record<string, Record<string, unknown>>>((all, c) => {
                all[c.test] = { ...all[c.test], [c.variable]: oneOrMany(c.values) };
                return all;
              }, {}),
            }),
      };
    }),
  };
  return { ...inputs, id: "policy-document", json: JSON.stringify(json), minifiedJson: JSON.stringify(json) };
}

/** The CLI's RPC server as the components call it: JSON-RPC 1.0 over POST /rpc. */
async function startCliServer(work: string, log: string[]): Promise<Server> {
  const methods: Record<string, (args: Record<string, unknown>) => Promise<unknown>> = {
    // The bootstrap bucket SST keeps per account and region for function code.
    "Provider.Aws.Bootstrap": async () => ({
      asset: `sst-asset-${ACCOUNT}`,
      assetEcrRegistryId: ACCOUNT,
      assetEcrUrl: `${ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com/sst-asset`,
      state: `sst-state-${ACCOUNT}`,
      appsyncHttp: "",
      appsyncRealtime: "",
    }),
    "Runtime.Build": async (args) => {
      const functionID = String(args.functionID);
      const handler = String(args.handler);
      const properties = (args.properties ?? {}) as { minify?: boolean };
      const exportName = extname(handler).slice(1);
      const source = handler.slice(0, -extname(handler).length);
      const entry = [".ts", ".mts", ".js", ".mjs"].map((ext) => repoPath(`${source}${ext}`)).find(existsSync);
      if (entry === undefined)
        return { handler: "", out: "", errors: [`Handler not found: ${handler}`], sourcemaps: [] };
      const out = join(work, "artifacts", `${functionID}-src`);
      mkdirSync(out, { recursive: true });
      const fileName = basename(source).replaceAll(".", "-");
      const result = await build({
        entryPoints: [entry],
        outfile: join(out, `${fileName}.mjs`),
        platform: "node",
        format: "esm",
        target: "esnext",
        // The one departure from SST's build: the entry is compiled without bundling its
        // imports. Bundling the eight handlers takes minutes on a busy machine, and the
        // bundle is not what this test is about (npm run bench:functions measures it).
        bundle: false,
        keepNames: true,
        minify: properties.minify ?? true,
        sourcemap: false,
        logLevel: "silent",
        banner: {
          js: [
            `import { createRequire as topLevelCreateRequire } from 'module';`,
            "const require = topLevelCreateRequire(import.meta.url);",
            `import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url"`,
            "const __filename = topLevelFileUrlToPath(import.meta.url)",
            `const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url))`,
          ].join("\n"),
        },
      });
      return {
        handler: `${fileName}.${exportName}`,
        out,
        errors: result.errors.map((e) => e.text),
        sourcemaps: [],
      };
    },
  };
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on("end", () => {
      const { method, params } = JSON.parse(body) as { method: string; params: [Record<string, unknown>] };
      log.push(method);
      const answer = methods[method];
      const reply = (payload: unknown) => {
        response.writeHead(200, { "content-type": "application/json" });
        response.end(JSON.stringify(payload));
      };
      if (answer === undefined) {
        reply({ result: null, error: `rpc: can't find method ${method}` });
        return;
      }
      answer(params[0]).then(
        (result) => reply({ result, error: null }),
        (error: Error) => reply({ result: null, error: error.message }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}

export interface StackOptions {
  /** The config's region, where the mocks put every resource. */
  readonly region: string;
  /** `sst deploy --stage`; APP.stage by default. */
  readonly stage?: string;
}

/**
 * Runs sst.config.ts's `run()` under Pulumi's mocks. Pulumi's runtime state and SST's
 * globals are per process: call it once per test file.
 */
export async function runStack({ region, stage = APP.stage }: StackOptions): Promise<StackRun> {
  ensureSstPlatform();
  const work = mkdtempSync(join(tmpdir(), "switchyard-sst-"));
  const rpc: string[] = [];
  const server = await startCliServer(work, rpc);
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("CLI server has no port");
  process.env.SST_SERVER = `http://127.0.0.1:${address.port}`;

  const platformRequire = createRequire(join(PLATFORM, "package.json"));
  const pulumi = platformRequire("@pulumi/pulumi") as { runtime: PulumiRuntime };
  const resources: RegisteredResource[] = [];
  const invokes: InvokeCall[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource({ type, name, inputs, custom }) {
        const physicalName = typeof inputs.name === "string" ? inputs.name : `${name}-${stage}`;
        const arn = arnOf(type, physicalName, region);
        const state: Record<string, unknown> = {
          ...inputs,
          name: physicalName,
          arn,
          ...(type === "aws:lambda/function:Function"
            ? { invokeArn: arn, qualifiedArn: `${arn}:$LATEST` }
            : {}),
          ...(type === "aws:cloudwatch/dashboard:Dashboard" ? { dashboardArn: arn } : {}),
        };
        resources.push({ type, name, custom: custom ?? false, inputs, state });
        return { id: type === "aws:iam/role:Role" ? physicalName : `${physicalName}-id`, state };
      },
      call({ token, inputs }) {
        invokes.push({ token, inputs });
        switch (token) {
          case "aws:index/getCallerIdentity:getCallerIdentity":
            return {
              accountId: ACCOUNT,
              arn: `arn:aws:iam::${ACCOUNT}:user/deployer`,
              userId: "AIDADEPLOYER",
              id: ACCOUNT,
            };
          case "aws:index/getPartition:getPartition":
            return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
          case "aws:index/getRegion:getRegion":
            return { name: region, region, id: region };
          case "aws:eks/getCluster:getCluster":
            return {
              name: inputs.name,
              arn: `arn:aws:eks:${region}:${ACCOUNT}:cluster/${String(inputs.name)}`,
              // A cluster that accepts access entries (infra/cluster-access.ts refuses others).
              accessConfigs: [{ authenticationMode: "API_AND_CONFIG_MAP" }],
              id: inputs.name,
            };
          case "aws:iam/getPolicyDocument:getPolicyDocument":
            return policyDocument(inputs);
          default:
            throw new Error(`the stack read ${token}, which this harness does not answer`);
        }
      },
    },
    APP.name,
    stage,
    false,
  );

  const globals = globalThis as Record<string, unknown>;
  globals.$app = { ...APP, stage, removal: "remove", protect: false, providers: { aws: { region } } };
  globals.$cli = {
    command: "deploy",
    dev: false,
    paths: { home: join(work, "home"), root: repoPath(""), work, platform: PLATFORM },
    state: { version: {} },
  };
  globals.$dev = false;
  const shim = (await import(/* @vite-ignore */ join(PLATFORM, "src/shim/run.js"))) as Record<
    string,
    unknown
  >;
  Object.assign(globals, shim);
  globals.aws = platformRequire("@pulumi/aws");
  globals.sst = await import(/* @vite-ignore */ join(PLATFORM, "src/components/index.ts"));
  const { run } = (await import(/* @vite-ignore */ join(PLATFORM, "src/auto/run.ts"))) as {
    run(program: () => Promise<unknown>): Promise<Record<string, unknown>>;
  };
  // Not a static import: sst.config.ts type-checks only against SST's globals (tsconfig.sst.json).
  const config = (await import(/* @vite-ignore */ repoPath("sst.config.ts"))) as {
    default: { run(): Promise<unknown> };
  };
  // An error thrown in an apply (a failing check in infra/, a component refusing its
  // args) rejects a promise nobody awaits; Pulumi's Node.js host fails the program on
  // the first one (@pulumi/pulumi cmd/run/run.ts, "unhandledRejection"), and so does this.
  let failed: (error: unknown) => void = () => {};
  const failure = new Promise<never>((_, reject) => {
    failed = reject;
  });
  process.on("unhandledRejection", failed);
  try {
    const deploy = async () => {
      const outputs = (await pulumi.runtime.runInPulumiStack(() => run(config.default.run))) ?? {};
      // Resources created inside apply callbacks register after the outputs resolve.
      await pulumi.runtime.disconnect();
      return outputs;
    };
    const outputs = await Promise.race([deploy(), failure]);
    return { resources, invokes, outputs, work, rpc };
  } finally {
    process.off("unhandledRejection", failed);
    server.close();
  }
}

/**
 * The files of a zip archive by name (stored or deflated entries, as archiver writes
 * them), read through its central directory (APPNOTE.TXT 4.3.12, 4.3.16).
 */
export function readZip(path: string): Map<string, Buffer> {
  const zip = readFileSync(path);
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0) throw new Error(`${path} is not a zip archive`);
  const count = zip.readUInt16LE(end + 10);
  let entry = zip.readUInt32LE(end + 16);
  const files = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    const method = zip.readUInt16LE(entry + 10);
    const compressedSize = zip.readUInt32LE(entry + 20);
    const nameLength = zip.readUInt16LE(entry + 28);
    const extraLength = zip.readUInt16LE(entry + 30);
    const commentLength = zip.readUInt16LE(entry + 32);
    const local = zip.readUInt32LE(entry + 42);
    const name = zip.toString("utf8", entry + 46, entry + 46 + nameLength);
    const data = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(data, data + compressedSize);
    files.set(name, method === 8 ? inflateRawSync(raw) : Buffer.from(raw));
    entry += 46 + nameLength + extraLength + commentLength;
  }
  return files;
}
