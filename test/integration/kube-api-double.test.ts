import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  NetworkingV1Api,
  PatchStrategy,
  setHeaderOptions,
} from "@kubernetes/client-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KubeApiDouble } from "../support/kube-api-double.ts";
import { ingressEvent, karpenterEvent, pod, seedSd21 } from "../support/kube-objects.ts";

const NS = "default";
const KEDA = { group: "keda.sh", version: "v1alpha1", namespace: NS, plural: "scaledobjects" };
const TARGET = "/spec/triggers/0/metadata/targetMetricValue";

/** What the double answered, as the real server's Status body. */
async function failure(call: Promise<unknown>): Promise<{ code: number; body: Record<string, unknown> }> {
  try {
    await call;
  } catch (error) {
    if (error instanceof ApiException) {
      return { code: error.code, body: typeof error.body === "string" ? JSON.parse(error.body) : {} };
    }
    throw error;
  }
  throw new Error("expected the request to fail");
}

describe("Class: KubeApiDouble", () => {
  let double: KubeApiDouble;
  let networking: NetworkingV1Api;
  let custom: CustomObjectsApi;
  let core: CoreV1Api;

  beforeEach(async () => {
    double = new KubeApiDouble();
    await double.start();
    seedSd21(double);
    const config = double.kubeConfig();
    networking = config.makeApiClient(NetworkingV1Api);
    custom = config.makeApiClient(CustomObjectsApi);
    core = config.makeApiClient(CoreV1Api);
  });

  afterEach(async () => {
    await double.stop();
  });

  describe("reads", () => {
    it("answers GET with the stored object and its resourceVersion", async () => {
      // Act
      const ingress = await networking.readNamespacedIngress({ name: "sd21", namespace: NS });

      // Assess
      expect(ingress.metadata?.resourceVersion).toBe(
        double.get("Ingress", NS, "sd21")?.metadata.resourceVersion,
      );
      expect(ingress.metadata?.annotations?.["alb.ingress.kubernetes.io/load-balancer-name"]).toBe("sd21");
    });

    it("answers LIST with a *List carrying the latest resourceVersion, items without kind for built-ins", async () => {
      // Act
      const deployments = await double
        .kubeConfig()
        .makeApiClient(AppsV1Api)
        .listNamespacedDeployment({ namespace: NS });
      const scaledObjects = (await custom.listNamespacedCustomObject(KEDA)) as {
        kind: string;
        metadata: { resourceVersion: string };
        items: { kind?: string }[];
      };

      // Assess
      expect(deployments.kind).toBe("DeploymentList");
      expect(deployments.metadata?.resourceVersion).toBe(double.resourceVersion);
      expect(deployments.items.map((d) => d.metadata?.name)).toEqual([
        "sd21-a10g-cuda",
        "sd21-a10g-triton",
        "sd21-inf2",
        "sd21-l4-triton",
        "sd21-trn1",
      ]);
      expect(double.requests[0]?.body).toBeUndefined();
      expect(scaledObjects.kind).toBe("ScaledObjectList");
      expect(scaledObjects.items).toHaveLength(5);
      expect(scaledObjects.items.every((o) => o.kind === "ScaledObject")).toBe(true);
    });

    it("filters pods by the status.phase field selector", async () => {
      // Prepare
      double.put(pod("sd21-inf2-a", { app: "sd21-inf2", unschedulableSince: "2026-11-14T21:00:00Z" }));
      double.put(pod("sd21-inf2-b", { app: "sd21-inf2" }));

      // Act
      const pending = await core.listNamespacedPod({ namespace: NS, fieldSelector: "status.phase=Pending" });
      const notPending = await core.listNamespacedPod({
        namespace: NS,
        fieldSelector: "status.phase!=Pending",
      });

      // Assess
      expect(pending.items.map((p) => p.metadata?.name)).toEqual(["sd21-inf2-a"]);
      expect(pending.items[0]?.status?.conditions?.[0]?.lastTransitionTime).toEqual(
        new Date("2026-11-14T21:00:00Z"),
      );
      expect(notPending.items.map((p) => p.metadata?.name)).toEqual(["sd21-inf2-b"]);
    });

    it("filters pods by a label selector", async () => {
      // Prepare
      double.put(pod("sd21-inf2-a", { app: "sd21-inf2" }));
      double.put(pod("sd21-trn1-a", { app: "sd21-trn1" }));

      // Act
      const inf2 = await core.listNamespacedPod({ namespace: NS, labelSelector: "app=sd21-inf2,albapp" });
      const either = await core.listNamespacedPod({
        namespace: NS,
        labelSelector: "app in (sd21-inf2, sd21-trn1)",
      });

      // Assess
      expect(inf2.items.map((p) => p.metadata?.name)).toEqual(["sd21-inf2-a"]);
      expect(either.items).toHaveLength(2);
    });

    it("filters events by reason and by involved object", async () => {
      // Prepare
      double.put(
        ingressEvent({ ingress: "sd21", reason: "SuccessfullyReconciled", at: "2026-11-14T21:00:00Z" }),
      );
      double.put(ingressEvent({ ingress: "other", reason: "FailedBuildModel", at: "2026-11-14T21:00:00Z" }));
      double.put(
        karpenterEvent({ nodeClaim: "default-x7k2p", message: "capacity", at: "2026-11-14T21:01:00Z" }),
      );

      // Act
      const capacity = await core.listNamespacedEvent({
        namespace: NS,
        fieldSelector: "reason=InsufficientCapacityError",
      });
      const onIngress = await core.listNamespacedEvent({
        namespace: NS,
        fieldSelector: "involvedObject.kind=Ingress,involvedObject.name=sd21",
      });

      // Assess
      expect(capacity.items.map((e) => e.involvedObject.name)).toEqual(["default-x7k2p"]);
      expect(onIngress.items.map((e) => e.reason)).toEqual(["SuccessfullyReconciled"]);
      expect(onIngress.items[0]?.lastTimestamp).toEqual(new Date("2026-11-14T21:00:00Z"));
    });

    it("refuses a field selector on a field the resource does not index, with 400", async () => {
      // Act
      const answer = await failure(
        core.listNamespacedPod({ namespace: NS, fieldSelector: "spec.priority=5" }),
      );

      // Assess
      expect(answer).toEqual({
        code: 400,
        body: expect.objectContaining({
          reason: "BadRequest",
          message: "field label not supported: spec.priority",
        }),
      });
    });

    it("answers 404 with the API server's NotFound Status", async () => {
      // Act
      const answer = await failure(networking.readNamespacedIngress({ name: "missing", namespace: NS }));

      // Assess
      expect(answer).toEqual({
        code: 404,
        body: {
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Failure",
          message: 'ingresses.networking.k8s.io "missing" not found',
          reason: "NotFound",
          details: { name: "missing", group: "networking.k8s.io", kind: "ingresses" },
          code: 404,
        },
      });
    });
  });

  describe("merge patch", () => {
    const merge = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

    it("applies the patch, bumps resourceVersion and keeps the other annotations", async () => {
      // Prepare
      const before = double.get("Ingress", NS, "sd21");
      const read = before?.metadata.resourceVersion;

      // Act
      const patched = await networking.patchNamespacedIngress(
        {
          name: "sd21",
          namespace: NS,
          body: { metadata: { resourceVersion: read, annotations: { "switchyard.io/mode": "capacity" } } },
        },
        merge,
      );

      // Assess
      const stored = double.get("Ingress", NS, "sd21");
      expect(Number(patched.metadata?.resourceVersion)).toBeGreaterThan(Number(read));
      expect(stored?.metadata.resourceVersion).toBe(patched.metadata?.resourceVersion);
      expect(stored?.metadata.annotations).toEqual({
        ...before?.metadata.annotations,
        "switchyard.io/mode": "capacity",
      });
      expect(double.requests.at(-1)).toMatchObject({
        method: "PATCH",
        path: "/apis/networking.k8s.io/v1/namespaces/default/ingresses/sd21",
        contentType: "application/merge-patch+json",
        body: { metadata: { resourceVersion: read, annotations: { "switchyard.io/mode": "capacity" } } },
        verb: "patch",
        resource: "ingresses",
        authenticated: true,
        status: 200,
      });
    });

    it("answers 409 Conflict with the real message when the patch carries a stale resourceVersion", async () => {
      // Prepare
      const stale = double.get("Ingress", NS, "sd21")?.metadata.resourceVersion;
      double.edit("Ingress", NS, "sd21", (o) => {
        o.metadata.annotations = { ...o.metadata.annotations, "example.com/owner": "team-a" };
      });

      // Act
      const answer = await failure(
        networking.patchNamespacedIngress(
          {
            name: "sd21",
            namespace: NS,
            body: { metadata: { resourceVersion: stale, annotations: { a: "b" } } },
          },
          merge,
        ),
      );

      // Assess
      expect(answer.code).toBe(409);
      expect(answer.body).toMatchObject({
        reason: "Conflict",
        message:
          'Operation cannot be fulfilled on ingresses.networking.k8s.io "sd21": the object has been modified; please apply your changes to the latest version and try again',
        details: { name: "sd21", group: "networking.k8s.io", kind: "ingresses" },
      });
      expect(double.get("Ingress", NS, "sd21")?.metadata.annotations?.a).toBeUndefined();
    });

    it("does not write, nor bump resourceVersion, when the patch changes nothing", async () => {
      // Prepare
      const before = double.get("Ingress", NS, "sd21");
      const revision = double.resourceVersion;

      // Act
      const patched = await networking.patchNamespacedIngress(
        { name: "sd21", namespace: NS, body: { metadata: { labels: { app: "sd21-multicompute" } } } },
        merge,
      );

      // Assess
      expect(patched.metadata?.resourceVersion).toBe(before?.metadata.resourceVersion);
      expect(double.resourceVersion).toBe(revision);
      expect(double.get("Ingress", NS, "sd21")).toEqual(before);
    });

    it("removes a key whose patch value is null", async () => {
      // Prepare
      double.edit("Ingress", NS, "sd21", (o) => {
        o.metadata.annotations = { ...o.metadata.annotations, "switchyard.io/failover-cause": "sd21-inf2" };
      });

      // Act
      await networking.patchNamespacedIngress(
        {
          name: "sd21",
          namespace: NS,
          body: { metadata: { annotations: { "switchyard.io/failover-cause": null } } },
        },
        merge,
      );

      // Assess
      expect(double.get("Ingress", NS, "sd21")?.metadata.annotations).not.toHaveProperty(
        "switchyard.io/failover-cause",
      );
    });
  });

  describe("JSON patch", () => {
    const json = setHeaderOptions("Content-Type", PatchStrategy.JsonPatch);
    const inf2 = { ...KEDA, name: "sd21-inf2" };

    it("replaces the guarded value when the test op holds", async () => {
      // Act
      const patched = (await custom.patchNamespacedCustomObject(
        {
          ...inf2,
          body: [
            { op: "test", path: TARGET, value: "100" },
            { op: "replace", path: TARGET, value: "89.2" },
          ],
        },
        json,
      )) as { spec: { triggers: { metadata: Record<string, string> }[] } };

      // Assess
      expect(patched.spec.triggers[0]?.metadata.targetMetricValue).toBe("89.2");
      const stored = double.get("ScaledObject", NS, "sd21-inf2")?.spec as typeof patched.spec | undefined;
      expect(stored?.triggers[0]?.metadata.targetMetricValue).toBe("89.2");
    });

    it("answers a failed test op with 422 Invalid and the generic message, as the API server does", async () => {
      // Prepare
      const before = double.get("ScaledObject", NS, "sd21-inf2");

      // Act
      const answer = await failure(
        custom.patchNamespacedCustomObject(
          {
            ...inf2,
            body: [
              { op: "test", path: TARGET, value: "70" },
              { op: "replace", path: TARGET, value: "89.2" },
            ],
          },
          json,
        ),
      );

      // Assess
      expect(answer).toEqual({
        code: 422,
        body: {
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Failure",
          message: "the server rejected our request due to an error in our request",
          reason: "Invalid",
          details: {},
          code: 422,
        },
      });
      expect(double.get("ScaledObject", NS, "sd21-inf2")).toEqual(before);
    });

    it("refuses a numeric targetMetricValue with 422 naming the field, as the CRD's schema does", async () => {
      // Prepare
      const before = double.get("ScaledObject", NS, "sd21-inf2");

      // Act
      const answer = await failure(
        custom.patchNamespacedCustomObject(
          { ...inf2, body: [{ op: "replace", path: TARGET, value: 89.2 }] },
          json,
        ),
      );

      // Assess
      expect(answer.code).toBe(422);
      expect(answer.body).toMatchObject({
        reason: "Invalid",
        message:
          'ScaledObject.keda.sh "sd21-inf2" is invalid: spec.triggers[0].metadata.targetMetricValue: Invalid value: "number": spec.triggers[0].metadata.targetMetricValue in body must be of type string: "number"',
        details: {
          name: "sd21-inf2",
          group: "keda.sh",
          kind: "ScaledObject",
          causes: [expect.objectContaining({ field: "spec.triggers[0].metadata.targetMetricValue" })],
        },
      });
      expect(double.get("ScaledObject", NS, "sd21-inf2")).toEqual(before);
    });

    it("refuses strategic merge patch on a custom resource with 415 UnsupportedMediaType", async () => {
      // Act
      const answer = await failure(
        custom.patchNamespacedCustomObject(
          { ...inf2, body: { spec: { minReplicaCount: 2 } } },
          setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch),
        ),
      );

      // Assess
      expect(answer).toEqual({
        code: 415,
        body: {
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Failure",
          message:
            "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
          reason: "UnsupportedMediaType",
          code: 415,
        },
      });
    });
  });

  describe("discovery", () => {
    const discover = (path: string, token?: string) =>
      fetch(
        `${double.url}${path}`,
        token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } },
      );

    it("lists a group version's resources by kind, plural, scope and verbs, as client-node's KubernetesObjectApi reads them", async () => {
      // Act
      const core = await discover("/api/v1", "k8s-aws-v1.double-token");
      const apps = await discover("/apis/apps/v1", "k8s-aws-v1.double-token");

      // Assess: the resource first, its status subresource (same kind) after it.
      expect(core.status).toBe(200);
      const list = (await core.json()) as {
        kind: string;
        groupVersion: string;
        resources: { name: string; kind: string; namespaced: boolean; verbs: string[] }[];
      };
      expect(list.kind).toBe("APIResourceList");
      expect(list.groupVersion).toBe("v1");
      expect(list.resources.map((r) => [r.name, r.kind, r.namespaced])).toEqual([
        ["pods", "Pod", true],
        ["pods/status", "Pod", true],
        ["events", "Event", true],
      ]);
      expect(list.resources[0]?.verbs).toEqual(expect.arrayContaining(["get", "list", "patch", "watch"]));
      expect(((await apps.json()) as { groupVersion: string }).groupVersion).toBe("apps/v1");
      expect(double.discoveryRequests.map((r) => r.path)).toEqual(["/api/v1", "/apis/apps/v1"]);
      expect(double.requests).toEqual([]);
    });

    it("answers 401 without the token, 404 for a group version it does not serve, and is not subject to deny()", async () => {
      // Prepare
      double.deny({ verb: "get", resource: "pods" });

      // Act
      const anonymous = await discover("/api/v1");
      const unknown = await discover("/apis/batch/v1", "k8s-aws-v1.double-token");
      const denied = await discover("/api/v1", "k8s-aws-v1.double-token");

      // Assess
      expect(anonymous.status).toBe(401);
      expect(unknown.status).toBe(404);
      expect(denied.status).toBe(200);
    });
  });

  describe("access and faults", () => {
    it("answers 403 with the RBAC authorizer's message for a denied patch and a denied list", async () => {
      // Prepare
      double.deny({ verb: "patch", resource: "ingresses" });
      double.deny({ verb: "list", resource: "pods" });

      // Act
      const patch = await failure(
        networking.patchNamespacedIngress(
          { name: "sd21", namespace: NS, body: { metadata: { annotations: { a: "b" } } } },
          setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
        ),
      );
      const list = await failure(core.listNamespacedPod({ namespace: NS }));

      // Assess
      expect(patch.code).toBe(403);
      expect(patch.body).toMatchObject({
        reason: "Forbidden",
        message: `ingresses.networking.k8s.io "sd21" is forbidden: User "${double.user}" cannot patch resource "ingresses" in API group "networking.k8s.io" in the namespace "default"`,
        details: { name: "sd21", group: "networking.k8s.io", kind: "ingresses" },
      });
      expect(list.body).toMatchObject({
        message: `pods is forbidden: User "${double.user}" cannot list resource "pods" in API group "" in the namespace "default"`,
        details: { kind: "pods" },
      });
      expect(double.get("Ingress", NS, "sd21")?.metadata.annotations?.a).toBeUndefined();
    });

    it("answers 401 to a request without the token it accepts, and keeps no token in its log", async () => {
      // Act
      const answer = networking.readNamespacedIngress({ name: "sd21", namespace: NS });
      const refused = double
        .kubeConfig("k8s-aws-v1.wrong")
        .makeApiClient(NetworkingV1Api)
        .readNamespacedIngress({ name: "sd21", namespace: NS });

      // Assess
      await expect(answer).resolves.toBeDefined();
      await expect(refused).rejects.toMatchObject({ code: 401 });
      expect(double.requests.map((r) => r.authenticated)).toEqual([true, false]);
      expect(JSON.stringify(double.requests)).not.toContain("k8s-aws-v1");
    });

    it("fails the next N matching requests with the injected status, then serves again", async () => {
      // Prepare
      double.failNext({
        verb: "get",
        resource: "ingresses",
        status: 500,
        times: 2,
        message: "etcdserver: leader changed",
      });

      // Act
      const first = await failure(networking.readNamespacedIngress({ name: "sd21", namespace: NS }));
      const second = await failure(networking.readNamespacedIngress({ name: "sd21", namespace: NS }));
      const third = await networking.readNamespacedIngress({ name: "sd21", namespace: NS });

      // Assess
      expect(first.body).toMatchObject({
        code: 500,
        reason: "InternalError",
        message: "Internal error occurred: etcdserver: leader changed",
      });
      expect(second.code).toBe(500);
      expect(third.metadata?.name).toBe("sd21");
      expect(double.requests.map((r) => r.status)).toEqual([500, 500, 200]);
    });

    it("drops the connection when the fault is a reset", async () => {
      // Prepare
      double.failNext({ verb: "list", resource: "deployments", status: "reset" });

      // Act
      const answer = double.kubeConfig().makeApiClient(AppsV1Api).listNamespacedDeployment({ namespace: NS });

      // Assess
      await expect(answer).rejects.toThrow(/fetch failed/);
      expect(double.requests.at(-1)?.status).toBe("reset");
    });

    it("lands another writer's edit between a read and the next patch", async () => {
      // Prepare
      const read = await networking.readNamespacedIngress({ name: "sd21", namespace: NS });
      double.beforeNext({ verb: "patch", resource: "ingresses" }, () =>
        double.edit("Ingress", NS, "sd21", (o) => {
          o.metadata.annotations = { ...o.metadata.annotations, "example.com/owner": "team-a" };
        }),
      );

      // Act
      const answer = await failure(
        networking.patchNamespacedIngress(
          {
            name: "sd21",
            namespace: NS,
            body: { metadata: { resourceVersion: read.metadata?.resourceVersion, annotations: { a: "b" } } },
          },
          setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
        ),
      );

      // Assess
      expect(answer.code).toBe(409);
      expect(double.get("Ingress", NS, "sd21")?.metadata.annotations?.["example.com/owner"]).toBe("team-a");
      expect(Number(double.get("Ingress", NS, "sd21")?.metadata.resourceVersion)).toBeGreaterThan(
        Number(read.metadata?.resourceVersion),
      );
    });
  });

  describe("seeding", () => {
    it("refuses to store an object the upstream schema rejects", () => {
      // Prepare
      const seeded = double.get("ScaledObject", NS, "sd21-inf2");
      if (seeded === undefined) {
        throw new Error("seedSd21 stored no sd21-inf2");
      }
      (seeded.spec as { triggers: { metadata: Record<string, unknown> }[] }).triggers[0] = {
        metadata: { targetMetricValue: 100 },
      };

      // Act
      const put = () => double.put(seeded);

      // Assess
      expect(put).toThrow(/must be string|must have required property/);
    });

    it("stores the seed's Ingress, five ScaledObjects and a Deployment per unit, each with a version", () => {
      // Act
      const ingress = double.get("Ingress", NS, "sd21");
      const scaledObjects = [
        "sd21-inf2",
        "sd21-trn1",
        "sd21-a10g-triton",
        "sd21-l4-triton",
        "sd21-a10g-cuda",
      ].map((name) => double.get("ScaledObject", NS, name));

      // Assess
      expect(ingress?.metadata.resourceVersion).toMatch(/^\d+$/);
      expect(scaledObjects.every((o) => o?.metadata.resourceVersion !== undefined)).toBe(true);
      expect(new Set([ingress, ...scaledObjects].map((o) => o?.metadata.resourceVersion)).size).toBe(6);
      expect(double.get("Deployment", NS, "sd21-l4-triton")?.spec).toMatchObject({ replicas: 1 });
    });
  });
});
