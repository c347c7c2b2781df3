import { DescribeClusterCommand } from "@aws-sdk/client-eks";
import { decide, serviceStateFrom } from "@switchyard/core";
import { SWITCHYARD_ANNOTATIONS } from "@switchyard/core/manifests";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runSwitchyard } from "../../support/cli.ts";
import { PATCH_TYPES } from "../../support/kube-api-double.ts";
import { describeClusterFor } from "../../support/lambda-env.ts";
import { closedPort, OperatorWorld } from "../../support/operator-world.ts";
import { sd21Service } from "../../support/sd21.ts";

const CONFIG = "examples/sd21/switchyard.yaml";
const PIN = SWITCHYARD_ANNOTATIONS.pin;
const REASON = SWITCHYARD_ANNOTATIONS.pinReason;
const pin = (...args: string[]) => runSwitchyard(["pin", "--config", CONFIG, "--service", "sd21", ...args]);
const unpin = () => runSwitchyard(["unpin", "--config", CONFIG, "--service", "sd21"]);

describe("Command: switchyard pin / unpin", () => {
  const world = new OperatorWorld();
  const annotations = () => ({
    ...(world.double.get("Ingress", "default", "sd21")?.metadata.annotations ?? {}),
  });
  const writes = () => world.double.requests.filter((r) => r.verb === "patch" || r.verb === "update");

  beforeAll(() => world.start());
  afterAll(() => world.stop());
  beforeEach(() => world.reset());

  it("writes only switchyard.io/pin and its reason, with a merge patch guarded by resourceVersion, and says what comes next", async () => {
    // Prepare: the service in capacity mode, as after a failover.
    world.double.edit("Ingress", "default", "sd21", (ingress) => {
      (ingress.metadata.annotations as Record<string, string>)[SWITCHYARD_ANNOTATIONS.mode] = "capacity";
    });
    const before = annotations();
    const read = world.double.get("Ingress", "default", "sd21")?.metadata.resourceVersion;

    // Act
    const run = await pin("--mode", "capacity", "--until", "2026-11-15T01:00:00Z", "--reason", "INC-4211");

    // Assess
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const after = annotations();
    expect(after).toEqual({ ...before, [PIN]: "capacity until 2026-11-15T01:00:00Z", [REASON]: "INC-4211" });
    const [patch] = writes();
    expect(writes()).toHaveLength(1);
    expect(patch?.contentType).toBe(PATCH_TYPES.merge);
    // apiVersion, kind, name and namespace address the Ingress (client-node's generic
    // object API builds the URL from them) and change nothing when merged.
    expect(patch?.body).toEqual({
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: {
        name: "sd21",
        namespace: "default",
        resourceVersion: read,
        annotations: { [PIN]: "capacity until 2026-11-15T01:00:00Z", [REASON]: "INC-4211" },
      },
    });
    expect(run.stdout).toContain(
      `pinned sd21 (Ingress default/sd21) to capacity mode: switchyard.io/pin="capacity until 2026-11-15T01:00:00Z", switchyard.io/pin-reason="INC-4211"`,
    );
    expect(run.stdout).toContain(
      "next: sd21 is in capacity mode and stays there: at its next evaluation (within 1 minute) the controller reads the pin and only observes and reports (decision: pinned) until 2026-11-15T01:00:00Z; it will not fall back while pinned.",
    );
    expect(run.stdout).toContain(
      "after 2026-11-15T01:00:00Z the pin no longer holds and the controller decides again as usual",
    );
    expect(run.stdout).not.toContain("warning");
  });

  it("writes a pin the controller's decide reads as pinned, until its expiry and not after", async () => {
    const run = await pin("--mode", "cost", "--until", "90m");
    expect(run.code).toBe(0);

    const service = sd21Service();
    const ingress = world.double.get("Ingress", "default", "sd21");
    const state = serviceStateFrom({
      service,
      cluster: {
        ingress: {
          namespace: "default",
          name: "sd21",
          resourceVersion: String(ingress?.metadata.resourceVersion ?? ""),
          annotations: (ingress?.metadata.annotations ?? {}) as Record<string, string>,
        },
        units: {},
      },
      switches: [],
    });
    const signals = { minutes: {}, capacity: [] };
    // The CLI's clock is 2026-11-14T21:20:00Z: the pin expires at 22:50.
    expect(decide(state, signals, service.policy, Date.parse("2026-11-14T22:49:00Z")).kind).toBe("pinned");
    expect(decide(state, signals, service.policy, Date.parse("2026-11-14T22:51:00Z")).kind).not.toBe(
      "pinned",
    );
  });

  it("warns that a pin to the other mode does not switch the service, and names the verb that does", async () => {
    const run = await pin("--mode", "capacity");
    expect(run.code).toBe(0);
    expect(annotations()[PIN]).toBe("capacity");
    expect(run.stdout).toContain(
      "next: at its next evaluation (within 1 minute) the controller reads the pin and only observes and reports (decision: pinned) until it is removed (no expiry), starting no switch.",
    );
    expect(run.stdout).toContain(
      "warning: sd21 is in cost mode now and a pin does not switch it: its traffic stays on the cost-mode routing while pinned. To put it in capacity mode, run `switchyard failover --config examples/sd21/switchyard.yaml --service sd21 --reason <why>`: the pin holds that mode, so the switch goes with it.",
    );
  });

  it("reads the Ingress again and lands the pin when someone else wrote it in between (409)", async () => {
    // Prepare: another client annotates the Ingress between Switchyard's read and its patch.
    world.double.beforeNext({ verb: "patch", resource: "ingresses", name: "sd21" }, () =>
      world.double.edit("Ingress", "default", "sd21", (ingress) => {
        (ingress.metadata.annotations as Record<string, string>)["example.com/owner"] = "team-infer";
      }),
    );

    const run = await pin("--mode", "cost");

    expect(run.code).toBe(0);
    expect(writes().map((r) => r.status)).toEqual([409, 200]);
    expect(annotations()).toMatchObject({ [PIN]: "cost", "example.com/owner": "team-infer" });
  });

  it("changes nothing when the same pin is already there", async () => {
    await pin("--mode", "cost");
    world.double.clearRequests();
    const run = await pin("--mode", "cost");
    expect(run.code).toBe(0);
    expect(writes()).toEqual([]);
    expect(run.stdout).toContain(
      'sd21 (Ingress default/sd21) is already pinned so: switchyard.io/pin="cost"; nothing changed',
    );
  });

  it("unpin removes only Switchyard's pin and reason, and nothing when there is none", async () => {
    const untouched = annotations();
    await pin("--mode", "capacity", "--reason", "load test");

    const run = await unpin();

    expect(run.code).toBe(0);
    expect(annotations()).toEqual(untouched);
    expect(run.stdout).toContain(
      'unpinned sd21 (Ingress default/sd21): removed switchyard.io/pin="capacity" and switchyard.io/pin-reason',
    );
    expect(run.stdout).toContain(
      "next: at its next evaluation (within 1 minute) the controller decides again from cost mode",
    );
    world.double.clearRequests();
    const again = await unpin();
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(
      "sd21 (Ingress default/sd21) is not pinned (no switchyard.io/pin); nothing changed\n",
    );
    expect(writes()).toEqual([]);
  });

  it.each([
    [
      "an unknown service",
      ["pin", "--config", CONFIG, "--service", "sd15", "--mode", "cost"],
      "switchyard: the config has no service sd15; its services are sd21\n",
    ],
    [
      "a past --until",
      ["pin", "--config", CONFIG, "--service", "sd21", "--mode", "cost", "--until", "2026-11-14T21:00:00Z"],
      "switchyard: --until 2026-11-14T21:00:00Z is in the past (2026-11-14T21:00:00Z; it is 2026-11-14T21:20:00Z): a pin must expire in the future, or leave --until out for a pin without expiry\n",
    ],
    [
      "a malformed --until",
      ["pin", "--config", CONFIG, "--service", "sd21", "--mode", "cost", "--until", "tomorrow"],
      'switchyard: --until "tomorrow" is neither a duration (90s, 15m, 2h, 1h30m or 1d) nor an RFC 3339 time with its offset (2026-12-02T01:00:00Z) on a day that exists\n',
    ],
    [
      "an --until without its offset",
      ["pin", "--config", CONFIG, "--service", "sd21", "--mode", "cost", "--until", "2026-12-02T01:00"],
      'switchyard: --until "2026-12-02T01:00" is neither a duration (90s, 15m, 2h, 1h30m or 1d) nor an RFC 3339 time with its offset (2026-12-02T01:00:00Z) on a day that exists\n',
    ],
    [
      "an unknown service to unpin",
      ["unpin", "--config", CONFIG, "--service", "sd15"],
      "switchyard: the config has no service sd15; its services are sd21\n",
    ],
  ])("exits 2 on %s, before reaching the cluster", async (_, args, message) => {
    const run = await runSwitchyard(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(message);
    expect(world.double.requests).toEqual([]);
  });

  it("exits 2 on a --mode that is neither cost nor capacity", async () => {
    const run = await pin("--mode", "fast");
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      "option '-m, --mode <mode>' argument 'fast' is invalid. Allowed choices are cost, capacity.",
    );
  });

  it("exits 4 without AWS credentials, and writes nothing", async () => {
    world.withoutCredentials();
    const run = await pin("--mode", "cost");
    expect(run.code).toBe(4);
    expect(run.stderr).toContain(
      "switchyard: no AWS credentials (Could not load credentials from any providers)",
    );
    expect(world.double.requests).toEqual([]);
  });

  it("exits 4 when the cluster's endpoint does not answer", async () => {
    const answer = describeClusterFor(world.double);
    world.eks
      .on(DescribeClusterCommand)
      .resolves({ cluster: { ...answer.cluster, endpoint: `https://127.0.0.1:${await closedPort()}` } });
    const run = await unpin();
    expect(run.code).toBe(4);
    expect(run.stderr).toContain(
      `switchyard: cannot reach EKS cluster hw-agnostic-infer in us-west-2: could not get ingresses.networking.k8s.io "sd21" in namespace "default": no answer from the API server`,
    );
  });

  it("exits 4 when RBAC refuses the patch, naming the rule", async () => {
    world.double.deny({ verb: "patch", resource: "ingresses" });
    const run = await pin("--mode", "cost");
    expect(run.code).toBe(4);
    expect(run.stderr).toContain(
      `switchyard: EKS cluster hw-agnostic-infer refused the request: cannot patch ingresses.networking.k8s.io "sd21" in namespace "default": the Role bound to Switchyard's access-entry group needs apiGroups ["networking.k8s.io"], resources ["ingresses"], resourceNames ["sd21"], verbs ["patch"]`,
    );
    expect(annotations()[PIN]).toBeUndefined();
  });
});
