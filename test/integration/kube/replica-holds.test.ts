import { Logger } from "@aws-lambda-powertools/logger";
import { KubernetesClusterGateway } from "@switchyard/adapters";
import { notResumed } from "@switchyard/core";
import { KEDA_PAUSED_REPLICAS, SWITCHYARD_ANNOTATIONS } from "@switchyard/core/manifests";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KedaOperatorStandIn } from "../../support/keda-operator.ts";
import { KubeApiDouble } from "../../support/kube-api-double.ts";
import { seedSd21 } from "../../support/kube-objects.ts";
import { sd21Service } from "../../support/sd21.ts";

const OWNER = "sd21-failover-202611142120";
const service = sd21Service();

describe("Class: KubernetesClusterGateway — replica holds", () => {
  let double: KubeApiDouble;
  let gateway: KubernetesClusterGateway;

  beforeEach(async () => {
    double = new KubeApiDouble();
    await double.start();
    seedSd21(double);
    gateway = new KubernetesClusterGateway({
      kubeConfig: async () => double.kubeConfig(),
      logger: new Logger({ serviceName: "test", logLevel: "SILENT" }),
    });
  });

  afterEach(async () => {
    await double.stop();
  });

  const annotationsOf = (name: string) =>
    double.get("ScaledObject", "default", name)?.metadata.annotations ?? {};
  const triggersOf = (name: string) =>
    (double.get("ScaledObject", "default", name)?.spec as { triggers: unknown } | undefined)?.triggers;

  it("holds a unit with a merge patch of annotations only, guarded by the version read", async () => {
    const triggers = triggersOf("sd21-l4-triton");
    double.clearRequests();
    const hold = await gateway.holdReplicas(service, "sd21-l4-triton", 3, OWNER);
    expect(hold).toEqual({
      unit: "sd21-l4-triton",
      scaledObject: "sd21-l4-triton",
      replicas: 3,
      outcome: "held",
    });
    expect(annotationsOf("sd21-l4-triton")).toMatchObject({
      [KEDA_PAUSED_REPLICAS]: "3",
      [SWITCHYARD_ANNOTATIONS.heldReplicas]: `3@${OWNER}`,
    });
    expect(triggersOf("sd21-l4-triton")).toEqual(triggers);
    const patch = double.requestsMatching({ verb: "patch", resource: "scaledobjects" })[0];
    expect(patch?.contentType).toBe("application/merge-patch+json");
    expect(
      (patch?.body as { metadata: { resourceVersion?: string } } | undefined)?.metadata.resourceVersion,
    ).toBeDefined();
  });

  it("releases its own hold and leaves an operator's pause alone", async () => {
    await gateway.holdReplicas(service, "sd21-l4-triton", 3, OWNER);
    expect((await gateway.holdReplicas(service, "sd21-l4-triton", null, OWNER)).outcome).toBe("released");
    expect(annotationsOf("sd21-l4-triton")[KEDA_PAUSED_REPLICAS]).toBeUndefined();

    double.edit("ScaledObject", "default", "sd21-trn1", (o) => {
      o.metadata.annotations = { [KEDA_PAUSED_REPLICAS]: "0" };
    });
    expect((await gateway.holdReplicas(service, "sd21-trn1", 2, OWNER)).outcome).toBe(
      "paused-by-someone-else",
    );
    expect(annotationsOf("sd21-trn1")).toEqual({ [KEDA_PAUSED_REPLICAS]: "0" });
  });

  it("reads what KEDA reports on a hold and after its release: the Paused condition and the HPA", async () => {
    const keda = new KedaOperatorStandIn(double);
    keda.adopt(["default"]);
    expect(await gateway.autoscalingOf(service, "sd21-l4-triton")).toEqual({
      unit: "sd21-l4-triton",
      scaledObject: "sd21-l4-triton",
      pausedReplicas: null,
      pausedBy: [],
      pausedCondition: "False",
      hpaName: "keda-hpa-sd21-l4-triton",
      hpaFound: true,
    });
    await gateway.holdReplicas(service, "sd21-l4-triton", 3, OWNER);
    const held = await gateway.autoscalingOf(service, "sd21-l4-triton");
    expect(held).toMatchObject({ pausedReplicas: "3", pausedCondition: "True", hpaFound: false });
    expect(notResumed(held)).toEqual([
      "autoscaling.keda.sh/paused-replicas is still 3",
      "its Paused condition is True, not False",
      "HorizontalPodAutoscaler keda-hpa-sd21-l4-triton does not exist",
    ]);
    await gateway.holdReplicas(service, "sd21-l4-triton", null, OWNER);
    expect(notResumed(await gateway.autoscalingOf(service, "sd21-l4-triton"))).toEqual([]);
  });

  it.each([
    ["autoscaling.keda.sh/paused", "true"],
    ["autoscaling.keda.sh/paused", "yes"],
    ["autoscaling.keda.sh/paused-scale-in", "true"],
    ["autoscaling.keda.sh/paused-scale-out", "true"],
  ])(
    "does not hold a ScaledObject an operator paused with %s: %s, and says which pause",
    async (key, value) => {
      double.edit("ScaledObject", "default", "sd21-trn1", (o) => {
        o.metadata.annotations = { [key]: value };
      });
      double.clearRequests();
      const hold = await gateway.holdReplicas(service, "sd21-trn1", 2, OWNER);
      expect(hold).toEqual({
        unit: "sd21-trn1",
        scaledObject: "sd21-trn1",
        replicas: 2,
        outcome: "paused-by-someone-else",
        pausedBy: [`${key}=${value}`],
      });
      expect(annotationsOf("sd21-trn1")).toEqual({ [key]: value });
      expect(double.requestsMatching({ verb: "patch", resource: "scaledobjects" })).toEqual([]);
    },
  );

  it("does not call a ScaledObject an operator paused during the hold 'not resumed' after the release", async () => {
    const keda = new KedaOperatorStandIn(double);
    keda.adopt(["default"]);
    await gateway.holdReplicas(service, "sd21-l4-triton", 3, OWNER);
    double.edit("ScaledObject", "default", "sd21-l4-triton", (o) => {
      o.metadata.annotations = { ...o.metadata.annotations, "autoscaling.keda.sh/paused": "true" };
    });
    expect((await gateway.holdReplicas(service, "sd21-l4-triton", null, OWNER)).outcome).toBe("released");
    const after = await gateway.autoscalingOf(service, "sd21-l4-triton");
    expect(after).toMatchObject({
      pausedReplicas: null,
      pausedBy: ["autoscaling.keda.sh/paused=true"],
      pausedCondition: "True",
      hpaFound: false,
    });
    expect(notResumed(after)).toEqual([]);
    expect(annotationsOf("sd21-l4-triton")).toEqual({ "autoscaling.keda.sh/paused": "true" });
  });

  describe.each(["2.18", "2.19", "2.20"] as const)("over KEDA %s", (version) => {
    const hpaOf = (name: string) =>
      double.get("HorizontalPodAutoscaler", "default", `keda-hpa-${name}`)?.spec as
        | { minReplicas?: number; maxReplicas?: number; behavior?: unknown }
        | undefined;

    it("scales a held unit to its hold and gives it back to KEDA with its HPA at min..max", async () => {
      const keda = new KedaOperatorStandIn(double);
      keda.version = version;
      keda.adopt(["default"]);
      await gateway.holdReplicas(service, "sd21-l4-triton", 3, OWNER);
      const held = await gateway.autoscalingOf(service, "sd21-l4-triton");
      expect(held).toMatchObject({ pausedReplicas: "3", pausedBy: [], pausedCondition: "True" });
      // 2.18/2.19 make the HPA again pinned at the count while the target is scaled to it;
      // 2.20 scales the target directly and keeps no HPA.
      expect(hpaOf("sd21-l4-triton")).toEqual(
        version === "2.20" ? undefined : expect.objectContaining({ minReplicas: 3, maxReplicas: 3 }),
      );
      expect(
        (double.get("Deployment", "default", "sd21-l4-triton")?.spec as { replicas?: number } | undefined)
          ?.replicas,
      ).toBe(3);
      await gateway.holdReplicas(service, "sd21-l4-triton", null, OWNER);
      expect(notResumed(await gateway.autoscalingOf(service, "sd21-l4-triton"))).toEqual([]);
      expect(hpaOf("sd21-l4-triton")).toMatchObject({ minReplicas: 1, maxReplicas: 100 });
    });

    it("keeps the HPA of a scale-in pause with scale-down disabled, Paused True", async () => {
      const keda = new KedaOperatorStandIn(double);
      keda.version = version;
      keda.adopt(["default"]);
      await gateway.setScalingTarget(service, "sd21-trn1", () => "89.2");
      double.edit("ScaledObject", "default", "sd21-trn1", (o) => {
        o.metadata.annotations = { "autoscaling.keda.sh/paused-scale-in": "true" };
      });
      keda.reconcile(double.get("ScaledObject", "default", "sd21-trn1") as never);
      const state = await gateway.autoscalingOf(service, "sd21-trn1");
      expect(state).toMatchObject({
        pausedBy: ["autoscaling.keda.sh/paused-scale-in=true"],
        pausedCondition: "True",
        hpaFound: true,
      });
      expect(hpaOf("sd21-trn1")?.behavior).toEqual({ scaleDown: { selectPolicy: "Disabled" } });
      expect(notResumed(state)).toEqual([]);
    });
  });

  it("looks for the HPA under the name spec.advanced.horizontalPodAutoscalerConfig.name gives it", async () => {
    double.edit("ScaledObject", "default", "sd21-trn1", (o) => {
      (o.spec as Record<string, unknown>).advanced = { horizontalPodAutoscalerConfig: { name: "trn1-hpa" } };
    });
    new KedaOperatorStandIn(double).adopt(["default"]);
    const state = await gateway.autoscalingOf(service, "sd21-trn1");
    expect(state).toMatchObject({ hpaName: "trn1-hpa", hpaFound: true });
    expect(double.get("HorizontalPodAutoscaler", "default", "trn1-hpa")).toBeDefined();
    double.remove("HorizontalPodAutoscaler", "default", "trn1-hpa");
    expect(await gateway.autoscalingOf(service, "sd21-trn1")).toMatchObject({ hpaFound: false });
  });

  it("names the RBAC rule when reading the HPA is denied", async () => {
    double.deny({ verb: "get", resource: "horizontalpodautoscalers" });
    await expect(gateway.autoscalingOf(service, "sd21-trn1")).rejects.toThrow(
      /cannot get horizontalpodautoscalers\.autoscaling "keda-hpa-sd21-trn1" in namespace "default".*resources \["horizontalpodautoscalers"\]/s,
    );
  });

  it("reads again and retries when the ScaledObject changed between the read and the patch", async () => {
    double.beforeNext({ verb: "patch", resource: "scaledobjects", name: "sd21-a10g-cuda" }, () =>
      double.edit("ScaledObject", "default", "sd21-a10g-cuda", (o) => {
        o.metadata.labels = { owner: "team-a" };
      }),
    );
    const hold = await gateway.holdReplicas(service, "sd21-a10g-cuda", 2, OWNER);
    expect(hold.outcome).toBe("held");
    expect(
      double.requestsMatching({ verb: "patch", resource: "scaledobjects", name: "sd21-a10g-cuda" }),
    ).toHaveLength(2);
    expect(double.get("ScaledObject", "default", "sd21-a10g-cuda")?.metadata.labels).toEqual({
      owner: "team-a",
    });
  });

  it("builds the hold again on the fresh ScaledObject after a 409, and leaves a pause set in between alone", async () => {
    double.beforeNext({ verb: "patch", resource: "scaledobjects", name: "sd21-a10g-cuda" }, () =>
      double.edit("ScaledObject", "default", "sd21-a10g-cuda", (o) => {
        o.metadata.annotations = { ...o.metadata.annotations, [KEDA_PAUSED_REPLICAS]: "0" };
      }),
    );
    double.clearRequests();
    const hold = await gateway.holdReplicas(service, "sd21-a10g-cuda", 2, OWNER);
    expect(hold.outcome).toBe("paused-by-someone-else");
    expect(double.requests.map((r) => [r.verb, r.status])).toEqual([
      ["get", 200],
      ["patch", 409],
      ["get", 200],
    ]);
    expect(annotationsOf("sd21-a10g-cuda")[KEDA_PAUSED_REPLICAS]).toBe("0");
    expect(annotationsOf("sd21-a10g-cuda")[SWITCHYARD_ANNOTATIONS.heldReplicas]).toBeUndefined();
  });
});
