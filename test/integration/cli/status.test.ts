import { GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { DescribeClusterCommand, ResourceNotFoundException } from "@aws-sdk/client-eks";
import { ListExecutionsCommand, StateMachineDoesNotExist } from "@aws-sdk/client-sfn";
import { KEDA_PAUSED_REPLICAS, SWITCHYARD_ANNOTATIONS } from "@switchyard/core/manifests";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runSwitchyard } from "../../support/cli.ts";
import { describeClusterFor, STATE_MACHINE_ARN } from "../../support/lambda-env.ts";
import { closedPort, listedExecution, OperatorWorld, sstOutputs } from "../../support/operator-world.ts";

const CONFIG = "examples/sd21/switchyard.yaml";
const OUTPUTS = "test-project/.sst/outputs.json";
const status = (...args: string[]) =>
  runSwitchyard(["status", "--config", CONFIG, "--outputs", OUTPUTS, ...args], { [OUTPUTS]: sstOutputs() });

describe("Command: switchyard status", () => {
  const world = new OperatorWorld();

  beforeAll(() => world.start());
  afterAll(() => world.stop());
  beforeEach(() => world.reset());

  it("reads the example's service live: mode, weights, KEDA targets, pods, the last switch with its console link", async () => {
    // Prepare: the seed's weighted routing, one unit short of a ready pod, and a rebalance that succeeded.
    world.double.edit("Deployment", "default", "sd21-trn1", (d) => {
      (d.spec as { replicas: number }).replicas = 2;
    });
    world.executions = [
      listedExecution(
        "sd21-rebalance-202611142004",
        "SUCCEEDED",
        "2026-11-14T20:04:07Z",
        "2026-11-14T20:09:41Z",
      ),
    ];

    // Act
    const run = await status();

    // Assess
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("cluster hw-agnostic-infer (us-west-2) · read 2026-11-14T21:20:00Z");
    expect(run.stdout).toContain(`state machine ${STATE_MACHINE_ARN} (stage dev), from ${OUTPUTS}`);
    expect(run.stdout).toContain("mode     cost (inferred from the routing: no switchyard.io/mode yet)");
    expect(run.stdout).toContain("pin      none");
    expect(run.stdout).toMatch(/sd21-inf2\s+40\s+100\s+1\/1\s+0\s+—/);
    expect(run.stdout).toMatch(/sd21-trn1\s+20\s+110\s+1\/2\s+0\s+—/);
    expect(run.stdout).toContain(
      "last switch  rebalance sd21-rebalance-202611142004 · 2026-11-14T20:04:07Z → 2026-11-14T20:09:41Z · succeeded",
    );
    expect(run.stdout).toContain(
      `https://us-west-2.console.aws.amazon.com/states/home?region=us-west-2#/v2/executions/details/${STATE_MACHINE_ARN.replace(":stateMachine:", ":execution:")}:sd21-rebalance-202611142004`,
    );
    expect(run.stdout).toContain("running      none");
    // Reads only: no write reached the cluster.
    expect(world.double.requests.filter((r) => r.verb !== "get" && r.verb !== "list")).toEqual([]);
  });

  it("shows each unit's forecast floor and the forecast evaluate recorded, scored against the demand that came", async () => {
    // Prepare: Switchyard's floor on inf2 (6, raised from the owner's 1), and the last
    // minutes of ForecastRps (stamped with the minute they were for) and DemandRps.
    world.double.edit("ScaledObject", "default", "sd21-inf2", (o) => {
      (o.spec as { minReplicaCount: number }).minReplicaCount = 6;
      o.metadata.annotations = { [SWITCHYARD_ANNOTATIONS.replicaFloor]: "6;base=1" };
    });
    const at = (minute: number) => new Date(Date.parse("2026-11-14T21:00:00Z") + minute * 60_000);
    world.cloudwatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        // Made up to 9 minutes ahead: the newest is for 21:29.
        { Id: "f0", Timestamps: [at(10), at(11), at(29)], Values: [1100, 1000, 1300] },
        { Id: "d0", Timestamps: [at(10), at(11)], Values: [1000, 1000] },
      ],
    });

    // Act
    const run = await status();
    const json = JSON.parse((await status("--output", "json")).stdout).services[0];

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/sd21-inf2\s+40\s+100\s+1\/1\s+0\s+—\s+6 \(floor; owner's 1\)/);
    expect(run.stdout).toMatch(/sd21-trn1\s+20\s+110\s+1\/1\s+0\s+—\s+1\n/);
    expect(run.stdout).toContain(
      "forecast     forecast-and-scale (floors act) · 1300 RPS for 2026-11-14T21:29:00Z · over the last 24 h (2 min) off by 5.0 % of demand on average, bias +5.0 %",
    );
    expect(json.forecast).toEqual({
      mode: "forecast-and-scale",
      next: { at: "2026-11-14T21:29:00Z", rps: 1300 },
      score: { minutes: 2, meanAbsoluteErrorPercent: 5, biasPercent: 5 },
      problem: null,
    });
    const call = world.cloudwatch.commandCalls(GetMetricDataCommand)[0]?.args[0].input;
    expect(call?.MetricDataQueries?.map((q) => q.MetricStat?.Metric?.MetricName)).toEqual([
      "ForecastRps",
      "DemandRps",
    ]);
  });

  it("says why the forecast cannot be read, and still shows the rest", async () => {
    world.cloudwatch.on(GetMetricDataCommand).rejects(new Error("AccessDenied: not authorized"));
    const run = await status();
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /forecast {5}forecast-and-scale: cannot read the recorded forecast \(.*AccessDenied.*\); your identity needs cloudwatch:GetMetricData/,
    );
    expect(run.stdout).toContain("pin      none");
  });

  it("escapes control characters in annotation text: a pin reason cannot clear the screen or fake a line", async () => {
    // Prepare: a pin reason that clears the screen, returns to the line's start to overwrite
    // it, starts a C1 CSI and reverses the text after it; the pin's own value a faked newline.
    const reason = "INC-1\u001b[2J\u001b[H\r  mode     cost\u009b31m\u202eevil";
    world.double.edit("Ingress", "default", "sd21", (ingress) => {
      Object.assign(ingress.metadata.annotations as Record<string, string>, {
        [SWITCHYARD_ANNOTATIONS.pin]: "capacity\u000b\u001b[1A",
        [SWITCHYARD_ANNOTATIONS.pinReason]: reason,
      });
    });

    // Act
    const table = await status();
    const json = await status("--output", "json");

    // Assess: nothing a terminal acts on reaches it, and the text is still there to read.
    expect(table.code).toBe(0);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the test looks for them.
    expect(table.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
    expect(table.stdout).toContain(
      "reason: INC-1\\u001b[2J\\u001b[H\\u000d  mode     cost\\u009b31m\\u202eevil",
    );
    expect(table.stdout.split("\n").filter((line) => line.startsWith("  mode "))).toHaveLength(1);
    // JSON keeps the value: \uXXXX is how JSON writes it.
    expect(json.stdout).not.toMatch(/[\u007f-\u009f\u202a-\u202e]/);
    expect(JSON.parse(json.stdout).services[0].pin.reason).toBe(reason);
  });

  it("shows a pin with its expiry and reason, a Switchyard hold and the running execution, in JSON", async () => {
    // Prepare: capacity mode after a failover; a fallback running that holds inf2; an operator's pin.
    world.double.edit("Ingress", "default", "sd21", (ingress) => {
      Object.assign(ingress.metadata.annotations as Record<string, string>, {
        [SWITCHYARD_ANNOTATIONS.mode]: "capacity",
        [SWITCHYARD_ANNOTATIONS.lastTransition]: "2026-11-14T19:02:10Z",
        [SWITCHYARD_ANNOTATIONS.failoverCause]: "sd21-inf2",
      });
    });
    const pinned = await runSwitchyard([
      "pin",
      "--config",
      CONFIG,
      "--service",
      "sd21",
      "--mode",
      "capacity",
      "--until",
      "2h",
      "--reason",
      "INC-4211 inf2 capacity",
    ]);
    expect(pinned.code).toBe(0);
    world.double.edit("ScaledObject", "default", "sd21-inf2", (so) => {
      so.metadata.annotations = {
        ...so.metadata.annotations,
        [KEDA_PAUSED_REPLICAS]: "3",
        [SWITCHYARD_ANNOTATIONS.heldReplicas]: "3@sd21-fallback-202611142118",
      };
    });
    world.executions = [
      listedExecution(
        "sd21-failover-202611141900",
        "SUCCEEDED",
        "2026-11-14T19:00:03Z",
        "2026-11-14T19:02:40Z",
      ),
      listedExecution("sd21-fallback-202611142118", "RUNNING", "2026-11-14T21:18:04Z"),
    ];

    // Act
    const run = await status("--output", "json", "--stage", "dev");

    // Assess
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout);
    // Written through core's jsonText, as every --output json: no float noise past 12 digits.
    const numbers = run.stdout.match(/-?\d+\.\d+(e[+-]?\d+)?/g) ?? [];
    expect(numbers.filter((n) => Number(n) !== Number(Number(n).toPrecision(12)))).toEqual([]);
    expect(json.stateMachine).toEqual({ arn: STATE_MACHINE_ARN, from: OUTPUTS, stage: "dev" });
    const service = json.services[0];
    expect(service).toMatchObject({
      service: "sd21",
      mode: "capacity",
      modeRecorded: true,
      lastTransition: "2026-11-14T19:02:10Z",
      failoverCause: ["sd21-inf2"],
      // The pin as the controller reads it (core's parsePin and pinHolds): it holds now.
      pin: {
        mode: "capacity",
        until: "2026-11-14T23:20:00Z",
        holds: true,
        reason: "INC-4211 inf2 capacity",
        problem: null,
      },
      consolidatedWeight: null,
      lastSwitch: { name: "sd21-failover-202611141900", move: "failover", outcome: "succeeded" },
      running: [
        { name: "sd21-fallback-202611142118", move: "fallback", outcome: "running", stoppedAt: null },
      ],
    });
    expect(service.units.find((u: { name: string }) => u.name === "sd21-inf2")).toEqual({
      name: "sd21-inf2",
      weight: 40,
      kedaTarget: "100",
      hold: { replicas: "3", by: "sd21-fallback-202611142118" },
      readyPods: 1,
      desiredPods: 1,
      unschedulablePods: 0,
      deploymentFound: true,
      minReplicas: 1,
      floor: null,
    });
    expect(service.next).toContain(
      "pinned: the controller observes and reports only (decision: pinned) until 2026-11-14T23:20:00Z",
    );
    expect(service.running[0].console).toMatch(
      /#\/v2\/executions\/details\/arn:aws:states:.*:sd21-fallback-202611142118$/,
    );
  });

  it("names a repair and a running reroute by their moves, and says what the running one holds back", async () => {
    const [repair, reroute] = ["sd21-repair-202611141900", "sd21-reroute-202611142118"];
    world.executions = [
      listedExecution(reroute, "RUNNING", "2026-11-14T21:18:04Z"),
      listedExecution(repair, "SUCCEEDED", "2026-11-14T19:00:03Z", "2026-11-14T19:01:40Z"),
    ];
    const run = await status("--output", "json", "--stage", "dev");
    const { lastSwitch, running, next } = JSON.parse(run.stdout).services[0];
    expect([run.code, lastSwitch, running]).toMatchObject([
      0,
      { name: repair, move: "repair", outcome: "succeeded" },
      [{ name: reroute, move: "reroute", outcome: "running" }],
    ]);
    expect(next).toBe(
      `${reroute} running: the controller starts no fallback, rebalance or repair until it ends (a failover still supersedes a calm move, and a reroute one started before its loss)`,
    );
  });

  it("names the error of a failed switch and whether it had moved traffic", async () => {
    world.executions = [
      listedExecution("sd21-failover-202611142010", "FAILED", "2026-11-14T20:10:02Z", "2026-11-14T20:16:30Z"),
    ];
    world.failures = {
      "sd21-failover-202611142010": { error: "RoutingNotAppliedError", cause: "weights not seen" },
    };
    world.events = {
      "sd21-failover-202611142010": [
        {
          id: 9,
          timestamp: new Date("2026-11-14T20:12:00Z"),
          type: "TaskStateEntered",
          stateEnteredEventDetails: { name: "VerifyAlb" },
        },
      ],
    };

    const run = await status();

    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      "last switch  failover sd21-failover-202611142010 · 2026-11-14T20:10:02Z → 2026-11-14T20:16:30Z · failed (RoutingNotAppliedError), after traffic had moved",
    );
  });

  /** `count` executions of another service on the same state machine, one a minute back from `newest`. */
  const otherServiceExecutions = (count: number, newest: string) =>
    Array.from({ length: count }, (_, i) => {
      const at = new Date(Date.parse(newest) - i * 60_000).toISOString();
      const stamp = at.slice(0, 16).replace(/[-T:]/g, "");
      return listedExecution(`sd15-rebalance-${stamp}`, "SUCCEEDED", at, at);
    });

  it("finds the last switch past the newest 100 executions of the state machine", async () => {
    world.executions = [
      ...otherServiceExecutions(150, "2026-11-14T23:00:00Z"),
      listedExecution(
        "sd21-failover-202611141900",
        "SUCCEEDED",
        "2026-11-14T19:00:05Z",
        "2026-11-14T19:02:10Z",
      ),
    ];

    const run = await status();

    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      "last switch  failover sd21-failover-202611141900 · 2026-11-14T19:00:05Z → 2026-11-14T19:02:10Z · succeeded",
    );
  });

  it("says how far back it searched when it finds no switch", async () => {
    world.executions = otherServiceExecutions(1200, "2026-11-14T23:00:00Z");

    const run = await status();

    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      "last switch  none in the state machine's newest 1000 executions (status reads no further back)",
    );
  });

  it("exits 2 naming the services for an unknown --service, before reaching anything", async () => {
    const run = await status("--service", "sd15");
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("switchyard: the config has no service sd15; its services are sd21\n");
    expect(world.double.requests).toEqual([]);
  });

  it("exits 4 when the stack's outputs are missing, saying how to get them", async () => {
    const run = await runSwitchyard(["status", "--config", CONFIG, "--outputs", "nowhere/.sst/outputs.json"]);
    expect(run.code).toBe(4);
    expect(run.stderr).toContain(
      "switchyard: no deployed stack outputs: cannot read nowhere/.sst/outputs.json: no such file;",
    );
    // It leads with the ARN (a read needs no deploy) and says how to list it; deploying is the fallback
    // when nothing is deployed, and --outputs is not suggested to a user who passed it.
    expect(run.stderr).toContain(
      "no such file; pass --stage STAGE to find the stage's state machine by its name (switchyard-<stage>-mode-switch), from any folder; or pass --state-machine-arn ARN (`aws stepfunctions list-state-machines --query \"stateMachines[?ends_with(name, '-mode-switch')].stateMachineArn\"` lists them",
    );
    expect(run.stderr).toContain(
      "if nothing is deployed yet, `npx sst deploy` from the project's root writes .sst/outputs.json",
    );
    expect(run.stderr).not.toContain("--outputs <file>");
  });

  it("exits 4 when the outputs are another stage's", async () => {
    const run = await status("--stage", "prod");
    expect(run.code).toBe(4);
    expect(run.stderr).toContain(
      `${OUTPUTS} holds the outputs of stage dev, not prod: SST keeps only the last deploy's outputs;`,
    );
    // Stage prod is deployed; the outputs file just holds dev's. Deploying prod is not the fix for a read.
    expect(run.stderr).toContain(
      "outputs; pass --state-machine-arn ARN (`aws stepfunctions list-state-machines",
    );
    expect(run.stderr).not.toContain("sst deploy");
    expect(run.stderr).not.toContain("--outputs <file>");
  });

  it("exits 2 on a --state-machine-arn that is not one, and uses one that is instead of the outputs", async () => {
    const bad = await runSwitchyard([
      "status",
      "--config",
      CONFIG,
      "--state-machine-arn",
      "switchyard-dev-ModeSwitch",
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--state-machine-arn switchyard-dev-ModeSwitch is not a state machine ARN");

    const good = await runSwitchyard([
      "status",
      "--config",
      CONFIG,
      "--state-machine-arn",
      STATE_MACHINE_ARN,
    ]);
    expect(good.code).toBe(0);
    expect(good.stdout).toContain(`state machine ${STATE_MACHINE_ARN}, from --state-machine-arn`);
  });

  it("exits 4 without AWS credentials, naming where to set them", async () => {
    world.withoutCredentials();
    const run = await status();
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(
      /^switchyard: no AWS credentials \(Could not load credentials from any providers\): pass --profile NAME or set AWS_PROFILE/,
    );
    expect(world.double.requests).toEqual([]);
  });

  it("exits 4 when the cluster's endpoint does not answer", async () => {
    // A port nothing listens on: the connection is refused, as a private endpoint's would be unreachable.
    const answer = describeClusterFor(world.double);
    const endpoint = `https://127.0.0.1:${await closedPort()}`;
    world.eks.on(DescribeClusterCommand).resolves({ cluster: { ...answer.cluster, endpoint } });
    const run = await status();
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(
      /^switchyard: cannot reach EKS cluster hw-agnostic-infer in us-west-2: could not (get|list) /,
    );
    expect(run.stderr).toContain("ECONNREFUSED");
    expect(run.stderr).toContain("no answer from the API server");
    expect(run.stderr).toContain(
      "the endpoint must allow public access or this machine must be in the cluster's network",
    );
  });

  it("exits 4 when EKS has no such cluster", async () => {
    world.eks.on(DescribeClusterCommand).rejects(
      new ResourceNotFoundException({
        message: "No cluster found for name: hw-agnostic-infer.",
        $metadata: {},
      }),
    );
    const run = await status();
    expect(run.code).toBe(4);
    expect(run.stderr).toContain(
      "cannot reach EKS cluster hw-agnostic-infer in us-west-2: EKS DescribeCluster of hw-agnostic-infer in us-west-2 failed",
    );
    expect(run.stderr).toContain("Check cluster.name and cluster.region in the config");
  });

  it("exits 4 when the state machine does not exist (a removed stack, another account)", async () => {
    world.sfn.on(ListExecutionsCommand).rejects(
      new StateMachineDoesNotExist({
        message: `State Machine Does Not Exist: '${STATE_MACHINE_ARN}'`,
        $metadata: {},
      }),
    );
    const run = await status();
    expect(run.code).toBe(4);
    expect(run.stderr).toContain(
      `switchyard: cannot read the mode-switch executions of ${STATE_MACHINE_ARN}: Step Functions ListExecutions failed`,
    );
    expect(run.stderr).toContain("StateMachineDoesNotExist");
  });
});
