import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DescribeClusterCommand } from "@aws-sdk/client-eks";
import { ListStateMachinesCommand } from "@aws-sdk/client-sfn";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { runSwitchyard } from "../../support/cli.ts";
import { listedExecution, OperatorWorld } from "../../support/operator-world.ts";

// The conventions every live command shares: the stack found by its stage from any folder,
// --region and --profile as the AWS CLI means them, status in four output formats.

const CONFIG = "examples/sd21/switchyard.yaml";
const ACCOUNT = "123456789012";
const machine = (stage: string, region = "us-west-2") =>
  `arn:aws:states:${region}:${ACCOUNT}:stateMachine:switchyard-${stage}-mode-switch`;
const listed = (stage: string, region = "us-west-2") => ({
  name: `switchyard-${stage}-mode-switch`,
  stateMachineArn: machine(stage, region),
  type: "STANDARD" as const,
  creationDate: new Date("2026-11-01T00:00:00Z"),
});

/** The Region a mocked client was built for. */
async function regionOf(call: { thisValue: unknown }): Promise<string> {
  const region = (call.thisValue as { config: { region: () => Promise<string> } }).config.region;
  return region();
}

describe("Live commands: --stage, --region, --profile, status --output", () => {
  const world = new OperatorWorld();

  beforeAll(() => world.start());
  afterAll(() => world.stop());
  beforeEach(() => {
    world.reset();
    // Two clusters' stages in the account, one per page; ListStateMachines pages by nextToken.
    world.sfn
      .on(ListStateMachinesCommand)
      .callsFake((input: { nextToken?: string }) =>
        input.nextToken === undefined
          ? { stateMachines: [listed("prod-a")], nextToken: "page-2" }
          : { stateMachines: [listed("prod-b")] },
      );
  });

  it("finds a stage's state machine by its name, with no outputs file, and reads that stack", async () => {
    world.executions = [
      listedExecution(
        "sd21-failover-202611142004",
        "SUCCEEDED",
        "2026-11-14T20:04:11Z",
        "2026-11-14T20:11:58Z",
        machine("prod-b"),
      ),
    ];
    const run = await runSwitchyard(["status", "-c", CONFIG, "--stage", "prod-b"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      `state machine ${machine("prod-b")} (stage prod-b), from its name in us-west-2`,
    );
    expect(run.stdout).toContain("last switch  failover sd21-failover-202611142004");
    // It read the pages until it found the name, then that machine's executions only.
    expect(world.sfn.commandCalls(ListStateMachinesCommand)).toHaveLength(2);
  });

  it("exits 4 naming the stage, the Region and what to check when no such state machine exists", async () => {
    const run = await runSwitchyard(["status", "-c", CONFIG, "--stage", "prod-c"]);
    expect(run.code).toBe(4);
    expect(run.stderr).toContain(
      "switchyard: no state machine switchyard-prod-c-mode-switch in us-west-2 for stage prod-c in the account of your AWS credentials",
    );
    expect(run.stderr).toContain("--region");
  });

  it("exits 2 on a stage that cannot name a stack, before any call", async () => {
    const run = await runSwitchyard(["status", "-c", CONFIG, "--stage", "prod b"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--stage: stage "prod b" must be letters, digits and "-"');
    expect(world.sfn.calls()).toEqual([]);
  });

  it("takes --region for the cluster and the stack, instead of the config's", async () => {
    world.sfn.on(ListStateMachinesCommand).resolves({ stateMachines: [listed("prod-a", "eu-west-1")] });
    const run = await runSwitchyard(["status", "-c", CONFIG, "--stage", "prod-a", "--region", "eu-west-1"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^cluster hw-agnostic-infer \(eu-west-1\)/);
    const [list] = world.sfn.commandCalls(ListStateMachinesCommand);
    const [describe] = world.eks.commandCalls(DescribeClusterCommand);
    expect(await regionOf(list as { thisValue: unknown })).toBe("eu-west-1");
    expect(await regionOf(describe as { thisValue: unknown })).toBe("eu-west-1");

    const pin = await runSwitchyard([
      "pin",
      "-c",
      CONFIG,
      "-s",
      "sd21",
      "-m",
      "cost",
      "--region",
      "eu-west-1",
    ]);
    expect(pin.code).toBe(0);
    const calls = world.eks.commandCalls(DescribeClusterCommand);
    expect(await regionOf(calls.at(-1) as { thisValue: unknown })).toBe("eu-west-1");

    const bad = await runSwitchyard(["unpin", "-c", CONFIG, "-s", "sd21", "--region", "Oregon"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--region "Oregon" is not an AWS Region code such as us-west-2');
  });

  describe("--profile", () => {
    let folder: string;
    beforeAll(() => {
      folder = mkdtempSync(join(tmpdir(), "switchyard-aws-"));
      writeFileSync(
        join(folder, "credentials"),
        "[ops]\naws_access_key_id = AKIAOPSEXAMPLE\naws_secret_access_key = opsSecretExample\n",
      );
    });
    afterAll(() => rmSync(folder, { recursive: true, force: true }));

    it("uses the named profile of the shared credentials file, where the default chain finds none", async () => {
      world.withoutCredentials();
      process.env.AWS_SHARED_CREDENTIALS_FILE = join(folder, "credentials");
      try {
        const without = await runSwitchyard(["unpin", "-c", CONFIG, "-s", "sd21"]);
        expect(without.code).toBe(4);
        expect(without.stderr).toContain("no AWS credentials");

        const run = await runSwitchyard(["status", "-c", CONFIG, "--stage", "prod-a", "--profile", "ops"]);
        expect(run.stderr).toBe("");
        expect(run.code).toBe(0);
        const [list] = world.sfn.commandCalls(ListStateMachinesCommand);
        const client = (list as { thisValue: unknown }).thisValue as {
          config: { credentials: () => Promise<{ accessKeyId: string }> };
        };
        const credentials = await client.config.credentials();
        expect(credentials.accessKeyId).toBe("AKIAOPSEXAMPLE");

        const missing = await runSwitchyard(["unpin", "-c", CONFIG, "-s", "sd21", "--profile", "nobody"]);
        expect(missing.code).toBe(4);
        expect(missing.stderr).toContain("no AWS credentials for --profile nobody");
      } finally {
        delete process.env.AWS_SHARED_CREDENTIALS_FILE;
      }
    });
  });

  it("prints status as YAML with the JSON's content, and wide with each unit's objects and limits", async () => {
    const args = ["status", "-c", CONFIG, "--stage", "prod-a"];
    const json = await runSwitchyard([...args, "-o", "json"]);
    const yaml = await runSwitchyard([...args, "-o", "yaml"]);
    expect(yaml.code).toBe(0);
    expect(parseYaml(yaml.stdout)).toEqual(JSON.parse(json.stdout));

    const wide = await runSwitchyard([...args, "-o", "wide"]);
    expect(wide.code).toBe(0);
    expect(wide.stdout).toMatch(/· resourceVersion \d+/);
    expect(wide.stdout).toMatch(
      /unit\s+weight\s+KEDA target\s+pods ready\/desired\s+unschedulable\s+hold\s+min replicas\s+Service\s+Deployment\s+ScaledObject\s+replicas\s+maxRps\s+instance types/,
    );
    expect(wide.stdout).toMatch(
      /sd21-inf2\s+40\s+100\s+1\/1\s+0\s+—\s+1\s+sd21-inf2:\S+\s+sd21-inf2\s+sd21-inf2\s+1–\d+\s+105\s+inf2.xlarge/,
    );
  });
});

describe("Flags: one meaning per short flag", () => {
  it("gives each short flag one long name across every command", async () => {
    const top = await runSwitchyard(["--help"]);
    const commands = [...top.stdout.matchAll(/^ {2}([a-z]+) /gm)]
      .map((m) => m[1] as string)
      .filter((c) => c !== "help");
    expect(commands).toEqual(
      expect.arrayContaining(["validate", "plan", "simulate", "calibrate", "status", "pin", "unpin"]),
    );
    const meanings = new Map<string, Set<string>>();
    for (const command of commands) {
      const help = await runSwitchyard([command, "--help"]);
      for (const [, short, long] of help.stdout.matchAll(/^\s+(-[A-Za-z]), (--[a-z-]+)/gm)) {
        const seen = meanings.get(short as string) ?? new Set<string>();
        seen.add(long as string);
        meanings.set(short as string, seen);
      }
    }
    const ambiguous = [...meanings]
      .filter(([, longs]) => longs.size > 1)
      .map(([s, l]) => `${s}: ${[...l].join(", ")}`);
    expect(ambiguous).toEqual([]);
    expect([...(meanings.get("-s") ?? [])]).toEqual(["--service"]);
    expect([...(meanings.get("-f") ?? [])]).toEqual(["--scenario"]);
  });
});
