import { Logger } from "@aws-lambda-powertools/logger";
import { KubernetesClusterGateway } from "@switchyard/adapters";
import { SWITCHYARD_ANNOTATIONS } from "@switchyard/core/manifests";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KubeApiDouble } from "../../support/kube-api-double.ts";
import { seedSd21 } from "../../support/kube-objects.ts";
import { sd21Service } from "../../support/sd21.ts";

const service = sd21Service();
const MARK = SWITCHYARD_ANNOTATIONS.replicaFloor;

describe("Class: KubernetesClusterGateway — forecast floors", () => {
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

  const scaledObject = (name: string) => double.get("ScaledObject", "default", name);
  const minOf = (name: string) =>
    (scaledObject(name)?.spec as { minReplicaCount?: number } | undefined)?.minReplicaCount;

  it("raises minReplicaCount with a JSON patch guarded by the resourceVersion read, marks it, and touches nothing else", async () => {
    const before = structuredClone(scaledObject("sd21-inf2"));
    double.clearRequests();
    const change = await gateway.setReplicaFloor(service, "sd21-inf2", { kind: "raise", pods: 6 });
    expect(change).toEqual({
      unit: "sd21-inf2",
      scaledObject: "sd21-inf2",
      outcome: "raised",
      from: 1,
      to: 6,
    });
    expect(minOf("sd21-inf2")).toBe(6);
    const after = scaledObject("sd21-inf2");
    expect(after?.metadata.annotations?.[MARK]).toBe("6;base=1");
    expect((after?.spec as { triggers: unknown } | undefined)?.triggers).toEqual(
      (before?.spec as { triggers: unknown } | undefined)?.triggers,
    );
    const patch = double.requestsMatching({ verb: "patch", resource: "scaledobjects" })[0];
    expect(patch?.contentType).toBe("application/json-patch+json");
    expect((patch?.body as { op: string; path: string }[] | undefined)?.[0]).toEqual({
      op: "test",
      path: "/metadata/resourceVersion",
      value: before?.metadata.resourceVersion,
    });
  });

  it("puts the owner's value back and removes its mark", async () => {
    await gateway.setReplicaFloor(service, "sd21-trn1", { kind: "raise", pods: 4 });
    const change = await gateway.setReplicaFloor(service, "sd21-trn1", { kind: "restore" });
    expect(change).toMatchObject({ outcome: "restored", from: 4, to: 1 });
    expect(minOf("sd21-trn1")).toBe(1);
    expect(scaledObject("sd21-trn1")?.metadata.annotations?.[MARK]).toBeUndefined();
  });

  it("reads again and rebuilds when someone writes between its read and its patch", async () => {
    double.beforeNext({ verb: "patch", resource: "scaledobjects", name: "sd21-a10g-triton" }, () => {
      double.edit("ScaledObject", "default", "sd21-a10g-triton", (o) => {
        o.metadata.labels = { ...(o.metadata.labels ?? {}), team: "ml" };
      });
    });
    const change = await gateway.setReplicaFloor(service, "sd21-a10g-triton", { kind: "raise", pods: 3 });
    expect(change.outcome).toBe("raised");
    expect(minOf("sd21-a10g-triton")).toBe(3);
    expect(
      (scaledObject("sd21-a10g-triton")?.metadata.labels as Record<string, string> | undefined)?.team,
    ).toBe("ml");
    expect(double.requestsMatching({ verb: "patch", resource: "scaledobjects" })).toHaveLength(2);
  });

  it("leaves a minReplicaCount someone else changed since: theirs now, only the mark goes", async () => {
    await gateway.setReplicaFloor(service, "sd21-l4-triton", { kind: "raise", pods: 5 });
    double.edit("ScaledObject", "default", "sd21-l4-triton", (o) => {
      (o.spec as { minReplicaCount: number }).minReplicaCount = 2;
    });
    const change = await gateway.setReplicaFloor(service, "sd21-l4-triton", { kind: "raise", pods: 8 });
    expect(change.outcome).toBe("changed-by-someone-else");
    expect(minOf("sd21-l4-triton")).toBe(2);
    expect(scaledObject("sd21-l4-triton")?.metadata.annotations?.[MARK]).toBeUndefined();
  });

  it("sends nothing when the floor is already right", async () => {
    await gateway.setReplicaFloor(service, "sd21-a10g-cuda", { kind: "raise", pods: 2 });
    double.clearRequests();
    const change = await gateway.setReplicaFloor(service, "sd21-a10g-cuda", { kind: "raise", pods: 2 });
    expect(change.outcome).toBe("unchanged");
    expect(double.requestsMatching({ verb: "patch", resource: "scaledobjects" })).toEqual([]);
  });
});
