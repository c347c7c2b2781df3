import { Logger } from "@aws-lambda-powertools/logger";
import type { ApiException } from "@kubernetes/client-node";
import {
  ClusterAccessError,
  KubernetesClusterGateway,
  KubernetesForbiddenError,
  KubernetesUnavailableError,
} from "@switchyard/adapters";
import { type InferenceService, type IngressState, ManifestError, planService } from "@switchyard/core";
import {
  actionAnnotationKey,
  ingressRoutingPatch,
  renderForwardAction,
  SWITCHYARD_ANNOTATIONS,
  standbyChanges,
} from "@switchyard/core/manifests";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  KubernetesConflictError,
  KubernetesNotFoundError,
  KubernetesRejectedError,
  UnknownUnitError,
} from "../../../packages/adapters/src/errors.ts";
import { PlanningError } from "../../../packages/core/src/errors.ts";
import { kedaAdmissionWebhook } from "../../support/keda-operator.ts";
import { KubeApiDouble, type RecordedRequest, validateKubeObject } from "../../support/kube-api-double.ts";
import { deployment, pod, seedSd21 } from "../../support/kube-objects.ts";
import { sd21Service } from "../../support/sd21.ts";

const NS = "default";
const TARGET = "/spec/triggers/0/metadata/targetMetricValue";
const ACTION = actionAnnotationKey("weighted-routing");
const SWITCHYARD_KEYS = [ACTION, SWITCHYARD_ANNOTATIONS.mode, SWITCHYARD_ANNOTATIONS.lastTransition];
const silent = () => new Logger({ serviceName: "switchyard-test", logLevel: "SILENT" });

function targetOf(double: KubeApiDouble, name: string): unknown {
  const spec = double.get("ScaledObject", NS, name)?.spec as {
    triggers: { metadata: Record<string, unknown> }[];
  };
  return spec.triggers[0]?.metadata.targetMetricValue;
}

/** The builder the ShiftTraffic step passes: the capacity plan's action, mode and time. */
function capacityRouting(service: InferenceService, resourceVersion?: string) {
  const plan = planService({ service, mode: "capacity", demandRps: 446 });
  const actionValue = renderForwardAction(plan.routing, {
    stickiness: { enabled: true, durationSeconds: 200 },
  });
  const seen: IngressState[] = [];
  const build = (current: IngressState) => {
    seen.push(current);
    return ingressRoutingPatch({
      action: service.action,
      actionValue,
      mode: "capacity",
      transitionAt: "2026-11-14T21:20:00Z",
      ...(resourceVersion === undefined ? {} : { resourceVersion }),
    });
  };
  return { build, seen, actionValue };
}

/** The body a recorded request carried; throws when there was no such request. */
function sentBody<T>(request: RecordedRequest | undefined): T {
  if (request === undefined) {
    throw new Error("no such request was sent");
  }
  return request.body as T;
}

async function rejection(call: Promise<unknown>): Promise<Error> {
  try {
    await call;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected the call to fail");
}

describe("Class: KubernetesClusterGateway", () => {
  let double: KubeApiDouble;
  let gateway: KubernetesClusterGateway;
  const service = sd21Service();

  beforeEach(async () => {
    double = new KubeApiDouble();
    await double.start();
    gateway = new KubernetesClusterGateway({ kubeConfig: async () => double.kubeConfig(), logger: silent() });
  });

  afterEach(async () => {
    await double.stop();
  });

  describe("API discovery", () => {
    it("asks each API group's discovery once for the gateway's life, whatever the operations and configs", async () => {
      // Prepare: each operation gets a new KubeConfig, as after a token renewal.
      seedSd21(double);
      double.clearRequests();

      // Act
      await gateway.readService(service);
      await gateway.readService(service);
      await gateway.ingressEvents(service, 0);
      await gateway.autoscalingOf(service, "sd21-inf2");
      await gateway.patchRouting(service, capacityRouting(service).build);

      // Assess: one GET per group/version, authenticated, never again once known.
      expect(double.discoveryRequests.map((r) => [r.method, r.path, r.status]).sort()).toEqual([
        ["GET", "/api/v1", 200],
        ["GET", "/apis/apps/v1", 200],
        ["GET", "/apis/autoscaling/v2", 200],
        ["GET", "/apis/networking.k8s.io/v1", 200],
      ]);
      expect(double.requestsMatching({ verb: "patch", resource: "ingresses" })).toHaveLength(1);
    });

    it("is asked again by a new gateway (a new container), and answers only an authenticated one", async () => {
      // Prepare
      seedSd21(double);
      await gateway.readService(service);
      double.clearRequests();
      const stranger = new KubernetesClusterGateway({
        kubeConfig: async () => double.kubeConfig("k8s-aws-v1.someone-else"),
        logger: silent(),
      });

      // Act
      const refused = await rejection(stranger.readService(service));
      await new KubernetesClusterGateway({
        kubeConfig: async () => double.kubeConfig(),
        logger: silent(),
      }).readService(service);

      // Assess
      expect(refused).toBeInstanceOf(ClusterAccessError);
      const statuses = double.discoveryRequests.map((r) => [r.authenticated, r.status]);
      expect(statuses.filter(([authenticated]) => !authenticated).every(([, s]) => s === 401)).toBe(true);
      expect(statuses.filter(([authenticated]) => authenticated)).toEqual([
        [true, 200],
        [true, 200],
        [true, 200],
      ]);
    });
  });

  describe("Method: readService", () => {
    it("reads the Ingress, each unit's Deployment and its unschedulable pods in exactly three requests", async () => {
      // Prepare
      seedSd21(double, {
        deployments: {
          "sd21-inf2": { replicas: 3, readyReplicas: 1 },
          "sd21-trn1": { replicas: 2, readyReplicas: 0 },
        },
      });
      double.put(
        pod("sd21-inf2-7d9c8b6f5-b", { app: "sd21-inf2", unschedulableSince: "2026-11-14T21:02:00Z" }),
      );
      double.put(
        pod("sd21-inf2-7d9c8b6f5-a", { app: "sd21-inf2", unschedulableSince: "2026-11-14T21:00:00Z" }),
      );
      double.put(pod("sd21-inf2-7d9c8b6f5-c", { app: "sd21-inf2", phase: "Pending" }));
      double.put(pod("sd21-inf2-7d9c8b6f5-d", { app: "sd21-inf2" }));
      double.put(
        pod("sd21-trn1-5f6d7c8b9-a", { app: "sd21-trn1", unschedulableSince: "2026-11-14T21:01:00Z" }),
      );
      double.put(pod("batch-job-x", { app: "batch", unschedulableSince: "2026-11-14T20:00:00Z" }));
      double.clearRequests();

      // Act
      const state = await gateway.readService(service);

      // Assess
      const ingress = double.get("Ingress", NS, "sd21");
      expect(state.ingress).toEqual({
        namespace: NS,
        name: "sd21",
        resourceVersion: ingress?.metadata.resourceVersion,
        annotations: ingress?.metadata.annotations,
        backends: [{ service: "weighted-routing", port: "use-annotation" }],
      });
      expect(state.units).toEqual({
        "sd21-inf2": {
          desiredReplicas: 3,
          readyReplicas: 1,
          deploymentFound: true,
          unschedulablePods: [
            { name: "sd21-inf2-7d9c8b6f5-a", since: Date.parse("2026-11-14T21:00:00Z") },
            { name: "sd21-inf2-7d9c8b6f5-b", since: Date.parse("2026-11-14T21:02:00Z") },
          ],
        },
        "sd21-trn1": {
          desiredReplicas: 2,
          readyReplicas: 0,
          deploymentFound: true,
          unschedulablePods: [{ name: "sd21-trn1-5f6d7c8b9-a", since: Date.parse("2026-11-14T21:01:00Z") }],
        },
        "sd21-a10g-triton": {
          desiredReplicas: 1,
          readyReplicas: 1,
          deploymentFound: true,
          unschedulablePods: [],
        },
        "sd21-l4-triton": {
          desiredReplicas: 1,
          readyReplicas: 1,
          deploymentFound: true,
          unschedulablePods: [],
        },
        "sd21-a10g-cuda": {
          desiredReplicas: 1,
          readyReplicas: 1,
          deploymentFound: true,
          unschedulablePods: [],
        },
      });
      // Each unit's Deployment by name (the Role grants nothing more), and Pending pods only.
      expect(
        double.requests
          .map((r) => [r.verb, r.resource, r.name ?? null, r.query])
          .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
      ).toEqual(
        [
          ["get", "ingresses", "sd21", {}],
          ...service.units.map((u) => ["get", "deployments", u.deployment, {}]),
          ["list", "pods", null, { fieldSelector: "status.phase=Pending" }],
        ].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
      );
    });

    it("reports a unit whose Deployment is missing as not found, with no replicas", async () => {
      // Prepare
      seedSd21(double, { deployments: { "sd21-l4-triton": "missing" } });

      // Act
      const state = await gateway.readService(service);

      // Assess
      expect(state.units["sd21-l4-triton"]).toEqual({
        desiredReplicas: 0,
        readyReplicas: 0,
        deploymentFound: false,
        unschedulablePods: [],
      });
      expect(state.units["sd21-inf2"]?.deploymentFound).toBe(true);
    });

    it("counts a Deployment scaled to zero as found, with no ready pods", async () => {
      // Prepare
      seedSd21(double);
      double.put(deployment("sd21-trn1", { replicas: 0 }));

      // Act
      const state = await gateway.readService(service);

      // Assess
      expect(state.units["sd21-trn1"]).toMatchObject({
        desiredReplicas: 0,
        readyReplicas: 0,
        deploymentFound: true,
      });
    });
  });

  describe("Method: readScaledObjects", () => {
    it("reads each unit's trigger target from one LIST", async () => {
      // Prepare
      seedSd21(double);
      double.clearRequests();

      // Act
      const states = await gateway.readScaledObjects(service);

      // Assess
      expect(Object.fromEntries(Object.entries(states).map(([unit, s]) => [unit, s.target]))).toEqual({
        "sd21-inf2": "100",
        "sd21-trn1": "110",
        "sd21-a10g-triton": "90",
        "sd21-l4-triton": "60",
        "sd21-a10g-cuda": "60",
      });
      expect(states["sd21-inf2"]?.resourceVersion).toBe(
        double.get("ScaledObject", NS, "sd21-inf2")?.metadata.resourceVersion,
      );
      expect(double.requests.map((r) => [r.verb, r.resource])).toEqual([["list", "scaledobjects"]]);
    });

    it("finds the trigger by its type: a cpu trigger first is read past and left untouched on a patch", async () => {
      // Prepare
      seedSd21(double);
      const cpu = { type: "cpu", metricType: "Utilization", metadata: { value: "60" } };
      double.edit("ScaledObject", NS, "sd21-inf2", (o) => {
        const spec = o.spec as { triggers: object[] };
        spec.triggers = [cpu, ...spec.triggers];
      });

      // Act
      const states = await gateway.readScaledObjects(service);
      await gateway.setScalingTarget(service, "sd21-inf2", () => "89.2");

      // Assess
      expect(states["sd21-inf2"]?.target).toBe("100");
      const spec = double.get("ScaledObject", NS, "sd21-inf2")?.spec as
        | { triggers: { type: string; metadata: Record<string, unknown> }[] }
        | undefined;
      const triggers = spec?.triggers ?? [];
      expect(triggers[0]).toEqual(cpu);
      expect(triggers[1]?.metadata.targetMetricValue).toBe("89.2");
    });

    it("refuses a ScaledObject without an aws-cloudwatch trigger, and writes nothing", async () => {
      // Prepare
      seedSd21(double);
      double.edit("ScaledObject", NS, "sd21-trn1", (o) => {
        (o.spec as { triggers: object[] }).triggers = [
          {
            type: "prometheus",
            metadata: { serverAddress: "http://prometheus:9090", query: "sum(rate(x[1m]))", threshold: "50" },
          },
        ];
      });
      double.clearRequests();

      // Act
      const read = await rejection(gateway.readScaledObjects(service));
      const write = await rejection(gateway.setScalingTarget(service, "sd21-trn1", () => "89.2"));

      // Assess
      for (const error of [read, write]) {
        expect(error).toBeInstanceOf(ManifestError);
        expect(error.message).toMatch(
          /^ScaledObject sd21-trn1: has no aws-cloudwatch trigger \(its triggers: prometheus\)/,
        );
      }
      expect(double.requestsMatching({ verb: "patch" })).toEqual([]);
    });

    it("names the missing ScaledObject and the config field that names it", async () => {
      // Prepare
      seedSd21(double);
      const renamed = {
        ...service,
        units: service.units.map((u) =>
          u.name === "sd21-trn1" ? { ...u, scaledObject: { ...u.scaledObject, name: "sd21-trn2" } } : u,
        ),
      };

      // Act
      const error = await rejection(gateway.readScaledObjects(renamed));

      // Assess
      expect(error).toBeInstanceOf(KubernetesNotFoundError);
      expect(error.message).toBe(
        'scaledobjects.keda.sh "sd21-trn2" in namespace "default" not found; services[sd21].units[].scaledObject.name in the config names it: fix the config or create the ScaledObject',
      );
    });
  });

  describe("Method: setScalingTarget", () => {
    beforeEach(() => {
      seedSd21(double);
      double.clearRequests();
    });

    it("sends a JSON patch, as application/json-patch+json, with a test op and a string value", async () => {
      // Act
      const change = await gateway.setScalingTarget(service, "sd21-inf2", () => "89.2");

      // Assess
      expect(change).toEqual({
        unit: "sd21-inf2",
        scaledObject: "sd21-inf2",
        from: "100",
        to: "89.2",
        changed: true,
      });
      const patches = double.requestsMatching({ verb: "patch", resource: "scaledobjects" });
      expect(patches).toHaveLength(1);
      expect(patches[0]).toMatchObject({
        path: "/apis/keda.sh/v1alpha1/namespaces/default/scaledobjects/sd21-inf2",
        contentType: "application/json-patch+json",
        body: [
          { op: "test", path: "/spec/triggers/0/type", value: "aws-cloudwatch" },
          { op: "test", path: TARGET, value: "100" },
          { op: "replace", path: TARGET, value: "89.2" },
        ],
        status: 200,
      });
      expect(typeof sentBody<{ value: unknown }[]>(patches[0]).at(-1)?.value).toBe("string");
      expect(targetOf(double, "sd21-inf2")).toBe("89.2");
    });

    it("writes an object that passes the upstream KEDA schema, with the other trigger fields intact", async () => {
      // Prepare
      const before = double.get("ScaledObject", NS, "sd21-trn1");

      // Act
      await gateway.setScalingTarget(service, "sd21-trn1", () => "89.2");

      // Assess
      const after = double.get("ScaledObject", NS, "sd21-trn1");
      if (after === undefined || before === undefined) {
        throw new Error("sd21-trn1 vanished");
      }
      expect(() => validateKubeObject(after)).not.toThrow();
      const { triggers: beforeTriggers, ...beforeSpec } = before.spec as { triggers: { metadata: object }[] };
      const { triggers: afterTriggers, ...afterSpec } = after.spec as { triggers: { metadata: object }[] };
      expect(afterSpec).toEqual(beforeSpec);
      expect(afterTriggers[0]?.metadata).toEqual({
        ...beforeTriggers[0]?.metadata,
        targetMetricValue: "89.2",
      });
    });

    it("sends no patch when the target already has the value", async () => {
      // Act
      const change = await gateway.setScalingTarget(service, "sd21-inf2", () => "100");

      // Assess
      expect(change).toEqual({
        unit: "sd21-inf2",
        scaledObject: "sd21-inf2",
        from: "100",
        to: "100",
        changed: false,
      });
      expect(double.requests.map((r) => r.verb)).toEqual(["get"]);
    });

    it("reads again and retries when someone changes the target between the read and the patch", async () => {
      // Prepare
      double.beforeNext({ verb: "patch", resource: "scaledobjects" }, () =>
        double.edit("ScaledObject", NS, "sd21-inf2", (o) => {
          (o.spec as { triggers: { metadata: Record<string, string> }[] }).triggers[0] = {
            ...(o.spec as { triggers: { metadata: Record<string, string> }[] }).triggers[0],
            metadata: {
              ...(o.spec as { triggers: { metadata: Record<string, string> }[] }).triggers[0]?.metadata,
              targetMetricValue: "120",
            },
          };
        }),
      );

      // Act
      const change = await gateway.setScalingTarget(service, "sd21-inf2", () => "89.2");

      // Assess
      expect(change).toMatchObject({ from: "120", to: "89.2", changed: true });
      expect(double.requests.map((r) => [r.verb, r.status])).toEqual([
        ["get", 200],
        ["patch", 422],
        ["get", 200],
        ["patch", 200],
      ]);
      expect(double.requests[3]?.body).toEqual([
        { op: "test", path: "/spec/triggers/0/type", value: "aws-cloudwatch" },
        { op: "test", path: TARGET, value: "120" },
        { op: "replace", path: TARGET, value: "89.2" },
      ]);
      expect(targetOf(double, "sd21-inf2")).toBe("89.2");
    });

    it("runs the builder again on the fresh ScaledObject when someone writes between the read and the patch", async () => {
      // Prepare: the builder sets 89.2 only while the target is still the 100 it planned from.
      const seen: (string | undefined)[] = [];
      const onlyFrom100 = (current: { target: string | undefined }) => {
        seen.push(current.target);
        return current.target === "100" ? "89.2" : null;
      };
      double.beforeNext({ verb: "patch", resource: "scaledobjects" }, () =>
        double.edit("ScaledObject", NS, "sd21-inf2", (o) => {
          const trigger = (o.spec as { triggers: { metadata: Record<string, string> }[] }).triggers[0];
          if (trigger !== undefined) {
            trigger.metadata.targetMetricValue = "120";
          }
        }),
      );

      // Act
      const change = await gateway.setScalingTarget(service, "sd21-inf2", onlyFrom100);

      // Assess: the second run saw the other writer's 120, declined, and nothing overwrote it.
      expect(seen).toEqual(["100", "120"]);
      expect(change).toEqual({
        unit: "sd21-inf2",
        scaledObject: "sd21-inf2",
        from: "120",
        to: "120",
        changed: false,
      });
      expect(double.requests.map((r) => [r.verb, r.status])).toEqual([
        ["get", 200],
        ["patch", 422],
        ["get", 200],
      ]);
      expect(targetOf(double, "sd21-inf2")).toBe("120");
    });

    it("gives up with KubernetesConflictError when the target changes before every patch", async () => {
      // Prepare
      gateway = new KubernetesClusterGateway({
        kubeConfig: async () => double.kubeConfig(),
        logger: silent(),
        maxConflictRetries: 1,
      });
      let edits = 0;
      double.beforeNext(
        { verb: "patch", resource: "scaledobjects" },
        () => {
          edits += 1;
          double.edit("ScaledObject", NS, "sd21-inf2", (o) => {
            const trigger = (o.spec as { triggers: { metadata: Record<string, string> }[] }).triggers[0];
            if (trigger !== undefined) {
              trigger.metadata.targetMetricValue = String(120 + edits);
            }
          });
        },
        5,
      );

      // Act
      const error = await rejection(gateway.setScalingTarget(service, "sd21-inf2", () => "89.2"));

      // Assess
      expect(error).toBeInstanceOf(KubernetesConflictError);
      expect(error.message).toContain(
        'scaledobjects.keda.sh "sd21-inf2" in namespace "default" changed under Switchyard',
      );
      expect(double.requestsMatching({ verb: "patch" })).toHaveLength(2);
      expect(targetOf(double, "sd21-inf2")).toBe("122");
    });

    it("maps a 422 whose guard still holds to KubernetesRejectedError, without retrying", async () => {
      // Prepare
      double.failNext({ verb: "patch", resource: "scaledobjects", status: 422 });

      // Act
      const error = await rejection(gateway.setScalingTarget(service, "sd21-inf2", () => "89.2"));

      // Assess
      expect(error).toBeInstanceOf(KubernetesRejectedError);
      expect(error.message).toBe(
        'the API server refused to patch scaledobjects.keda.sh "sd21-inf2" in namespace "default" (422 Invalid): the server rejected our request due to an error in our request',
      );
      expect((error.cause as ApiException<unknown>).code).toBe(422);
      expect(double.requestsMatching({ verb: "patch" })).toHaveLength(1);
      expect(targetOf(double, "sd21-inf2")).toBe("100");
    });

    it("names the unit when the service has no such unit", async () => {
      // Act
      const error = await rejection(gateway.setScalingTarget(service, "sd21-h100", () => "10"));

      // Assess: an adapter's error, not the core's PlanningError
      expect(error).toBeInstanceOf(UnknownUnitError);
      expect(error).not.toBeInstanceOf(PlanningError);
      expect(error.message).toMatch(
        /^service sd21 has no unit sd21-h100; its units are sd21-inf2, sd21-trn1/,
      );
      expect(double.requests).toHaveLength(0);
    });
  });

  describe("Method: patchRouting", () => {
    beforeEach(() => {
      seedSd21(double);
      double.clearRequests();
    });

    it("changes only Switchyard's annotations and the action, guarded by the version it read", async () => {
      // Prepare
      const before = double.get("Ingress", NS, "sd21");
      const { build, actionValue } = capacityRouting(service, "1");

      // Act
      const change = await gateway.patchRouting(service, build);

      // Assess
      const after = double.get("Ingress", NS, "sd21");
      if (before === undefined || after === undefined) {
        throw new Error("the Ingress vanished");
      }
      const changedKeys = Object.keys({
        ...before.metadata.annotations,
        ...after.metadata.annotations,
      }).filter((key) => before.metadata.annotations?.[key] !== after.metadata.annotations?.[key]);
      expect(changedKeys.sort()).toEqual([...SWITCHYARD_KEYS].sort());
      expect(after.metadata.annotations?.[ACTION]).toBe(actionValue);
      expect(after.metadata.labels).toEqual(before.metadata.labels);
      expect(after.spec).toEqual(before.spec);
      expect(() => validateKubeObject(after)).not.toThrow();
      expect(change.changed).toBe(true);
      expect(change.before.resourceVersion).toBe(before.metadata.resourceVersion);
      expect(change.after).toEqual({
        namespace: NS,
        name: "sd21",
        resourceVersion: after.metadata.resourceVersion,
        annotations: after.metadata.annotations,
        backends: [{ service: "weighted-routing", port: "use-annotation" }],
      });
      const [patch] = double.requestsMatching({ verb: "patch", resource: "ingresses" });
      expect(patch?.contentType).toBe("application/merge-patch+json");
      // The builder carried a stale "1"; the version sent is the one just read.
      const sent = sentBody<{ metadata: { resourceVersion: string } }>(patch);
      expect(sent.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
      // Besides the guard and the annotations, only what addresses the Ingress (the generic
      // object API builds the URL from them), unchanged by the merge.
      expect(Object.keys(sent.metadata).sort()).toEqual([
        "annotations",
        "name",
        "namespace",
        "resourceVersion",
      ]);
      expect(sent).toMatchObject({
        apiVersion: "networking.k8s.io/v1",
        kind: "Ingress",
        metadata: { name: "sd21", namespace: NS },
      });
      expect(Object.keys(sent).sort()).toEqual(["apiVersion", "kind", "metadata"]);
    });

    it("reads again after a 409 and sends the second patch with the fresh resourceVersion", async () => {
      // Prepare
      const { build, seen } = capacityRouting(service);
      double.beforeNext({ verb: "patch", resource: "ingresses" }, () =>
        double.edit("Ingress", NS, "sd21", (o) => {
          o.metadata.annotations = { ...o.metadata.annotations, "example.com/owner": "team-a" };
        }),
      );

      // Act
      const change = await gateway.patchRouting(service, build);

      // Assess
      const patches = double.requestsMatching({ verb: "patch", resource: "ingresses" });
      expect(double.requests.map((r) => [r.verb, r.status])).toEqual([
        ["get", 200],
        ["patch", 409],
        ["get", 200],
        ["patch", 200],
      ]);
      const versions = patches.map(
        (p) => (p.body as { metadata: { resourceVersion: string } }).metadata.resourceVersion,
      );
      expect(versions[0]).not.toBe(versions[1]);
      expect(versions[1]).toBe(seen[1]?.resourceVersion);
      expect(seen[1]?.annotations["example.com/owner"]).toBe("team-a");
      const stored = double.get("Ingress", NS, "sd21");
      expect(stored?.metadata.annotations?.["example.com/owner"]).toBe("team-a");
      expect(stored?.metadata.annotations?.[SWITCHYARD_ANNOTATIONS.mode]).toBe("capacity");
      expect(change.before.resourceVersion).toBe(versions[1]);
      expect(change.after.resourceVersion).toBe(stored?.metadata.resourceVersion);
    });

    it("gives up with KubernetesConflictError after maxConflictRetries retries", async () => {
      // Prepare
      double.failNext({ verb: "patch", resource: "ingresses", status: 409, times: 10 });

      // Act
      const error = await rejection(gateway.patchRouting(service, capacityRouting(service).build));

      // Assess
      expect(error).toBeInstanceOf(KubernetesConflictError);
      expect(error.message).toBe(
        'ingresses.networking.k8s.io "sd21" in namespace "default" changed under Switchyard on each of 4 attempts (409 Conflict every time); retry the step',
      );
      expect((error.cause as ApiException<unknown>).code).toBe(409);
      expect(double.requestsMatching({ verb: "patch" })).toHaveLength(4);
      expect(
        double.get("Ingress", NS, "sd21")?.metadata.annotations?.[SWITCHYARD_ANNOTATIONS.mode],
      ).toBeUndefined();
    });

    it("appends the standby rule with a JSON patch guarded by a test of the version read, the Ingress's own rules and annotations untouched", async () => {
      // Prepare
      const before = double.get("Ingress", NS, "sd21");
      const build = (current: IngressState) => {
        const changes = standbyChanges(current, service);
        return changes.rules.length === 0
          ? null
          : {
              metadata: { resourceVersion: current.resourceVersion, annotations: changes.annotations },
              addRules: changes.rules,
            };
      };

      // Act
      const change = await gateway.patchRouting(service, build);
      const again = await gateway.patchRouting(service, build);

      // Assess
      const after = double.get("Ingress", NS, "sd21");
      if (before === undefined || after === undefined) {
        throw new Error("the Ingress vanished");
      }
      const [patch, ...more] = double.requestsMatching({ verb: "patch", resource: "ingresses" });
      expect(more).toEqual([]);
      expect(patch?.contentType).toBe("application/json-patch+json");
      expect(patch?.path).toBe("/apis/networking.k8s.io/v1/namespaces/default/ingresses/sd21");
      const ops = sentBody<{ op: string; path: string; value?: unknown }[]>(patch);
      expect(ops[0]).toEqual({
        op: "test",
        path: "/metadata/resourceVersion",
        value: before.metadata.resourceVersion,
      });
      expect(ops.filter((op) => op.path.startsWith("/spec")).map((op) => [op.op, op.path])).toEqual([
        ["add", "/spec/rules/-"],
        ["add", "/spec/rules/-"],
      ]);
      const rulesBefore = (before.spec as { rules: unknown[] }).rules;
      const rulesAfter = (after.spec as { rules: unknown[] }).rules;
      expect(rulesAfter.slice(0, rulesBefore.length)).toEqual(rulesBefore);
      expect(rulesAfter).toHaveLength(rulesBefore.length + 2);
      for (const [key, value] of Object.entries(before.metadata.annotations ?? {})) {
        expect(after.metadata.annotations?.[key]).toBe(value);
      }
      expect(() => validateKubeObject(after)).not.toThrow();
      expect(change.after.backends).toEqual([
        { service: "weighted-routing", port: "use-annotation" },
        { service: "weighted-routing-standby-1", port: "use-annotation" },
        { service: "weighted-routing-standby-2", port: "use-annotation" },
      ]);
      expect(again.changed).toBe(false);
    });

    it("reads again and rebuilds when the Ingress moved between the read and the JSON patch (its test fails)", async () => {
      // Prepare
      double.beforeNext({ verb: "patch", resource: "ingresses", name: "sd21" }, () =>
        double.edit("Ingress", NS, "sd21", (o) => {
          (o.metadata.annotations as Record<string, string>)["example.com/owner"] = "team-a";
        }),
      );
      const seen: string[] = [];

      // Act
      await gateway.patchRouting(service, (current) => {
        seen.push(current.resourceVersion);
        const changes = standbyChanges(current, service);
        return changes.rules.length === 0
          ? null
          : {
              metadata: { resourceVersion: current.resourceVersion, annotations: changes.annotations },
              addRules: changes.rules,
            };
      });

      // Assess
      expect(double.requestsMatching({ verb: "patch", resource: "ingresses" }).map((r) => r.status)).toEqual([
        422, 200,
      ]);
      expect(new Set(seen).size).toBe(2);
      const after = double.get("Ingress", NS, "sd21");
      expect(after?.metadata.annotations?.["example.com/owner"]).toBe("team-a");
      expect((after?.spec as { rules?: unknown[] } | undefined)?.rules).toHaveLength(3);
    });

    it("sends nothing when the builder has nothing to change", async () => {
      // Act
      const change = await gateway.patchRouting(service, () => null);

      // Assess
      expect(change.changed).toBe(false);
      expect(change.after).toEqual(change.before);
      expect(double.requests.map((r) => r.verb)).toEqual(["get"]);
    });

    it("removes an annotation the patch sets to null", async () => {
      // Prepare
      double.edit("Ingress", NS, "sd21", (o) => {
        o.metadata.annotations = {
          ...o.metadata.annotations,
          [SWITCHYARD_ANNOTATIONS.failoverCause]: "sd21-inf2",
        };
      });

      // Act
      const change = await gateway.patchRouting(service, () => ({
        metadata: { annotations: { [SWITCHYARD_ANNOTATIONS.failoverCause]: null } },
      }));

      // Assess
      expect(change.before.annotations[SWITCHYARD_ANNOTATIONS.failoverCause]).toBe("sd21-inf2");
      expect(change.after.annotations).not.toHaveProperty(SWITCHYARD_ANNOTATIONS.failoverCause);
    });

    it("maps a 415 to KubernetesRejectedError with the server's message", async () => {
      // Prepare
      double.failNext({
        verb: "patch",
        resource: "ingresses",
        status: 415,
        message: "application/json-patch+json",
      });

      // Act
      const error = await rejection(gateway.patchRouting(service, capacityRouting(service).build));

      // Assess
      expect(error).toBeInstanceOf(KubernetesRejectedError);
      expect(error.message).toBe(
        'the API server refused to patch ingresses.networking.k8s.io "sd21" in namespace "default" (415 UnsupportedMediaType): the body of the request was in an unknown format - accepted media types include: application/json-patch+json',
      );
    });
  });

  describe("error mapping", () => {
    beforeEach(() => {
      seedSd21(double);
    });

    it("maps a denied patch to KubernetesForbiddenError naming the verb, the object and the RBAC rule", async () => {
      // Prepare
      double.deny({ verb: "patch", resource: "ingresses" });

      // Act
      const error = await rejection(gateway.patchRouting(service, capacityRouting(service).build));

      // Assess
      expect(error).toBeInstanceOf(KubernetesForbiddenError);
      expect(error.message).toBe(
        'cannot patch ingresses.networking.k8s.io "sd21" in namespace "default": the Role bound to Switchyard\'s access-entry group needs apiGroups ["networking.k8s.io"], resources ["ingresses"], resourceNames ["sd21"], verbs ["patch"] (see deploy/rbac.yaml); ' +
          `the API server said: ingresses.networking.k8s.io "sd21" is forbidden: User "${double.user}" cannot patch resource "ingresses" in API group "networking.k8s.io" in the namespace "default"`,
      );
      expect((error.cause as ApiException<unknown>).code).toBe(403);
      expect((error as KubernetesForbiddenError).retryable).toBe(false);
    });

    it("maps KEDA's admission webhook denial to KubernetesRejectedError with the webhook's message, not to RBAC", async () => {
      // Prepare: someone made an HPA of their own for inf2's Deployment; KEDA's webhook
      // then refuses every update of the ScaledObject (verifyHpas).
      double.admit(kedaAdmissionWebhook(double));
      double.put({
        apiVersion: "autoscaling/v2",
        kind: "HorizontalPodAutoscaler",
        metadata: { name: "sd21-inf2-manual", namespace: NS },
        spec: {
          scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "sd21-inf2" },
          minReplicas: 1,
          maxReplicas: 4,
        },
      });

      // Act
      const targetError = await rejection(gateway.setScalingTarget(service, "sd21-inf2", () => "89.2"));
      const holdError = await rejection(gateway.holdReplicas(service, "sd21-inf2", 4, "sd21-failover-1"));

      // Assess
      for (const error of [targetError, holdError]) {
        expect(error).toBeInstanceOf(KubernetesRejectedError);
        expect(error).not.toBeInstanceOf(KubernetesForbiddenError);
        expect(error.message).toContain(
          `the API server refused to patch scaledobjects.keda.sh "sd21-inf2" in namespace "default": its admission webhook "vscaledobject.kb.io" denied the change (403 Forbidden): the workload 'sd21-inf2' of type 'apps/v1.Deployment' is already managed by the hpa 'sd21-inf2-manual'. This is the webhook judging the object, not RBAC`,
        );
        expect(error.message).not.toContain("the Role bound to");
        expect((error.cause as ApiException<unknown>).code).toBe(403);
      }
      expect(targetOf(double, "sd21-inf2")).toBe("100");
    });

    it("reads a webhook denial with the newer '<resource> is forbidden:' prefix as a denial too", async () => {
      // Prepare
      double.failNext({
        verb: "patch",
        resource: "scaledobjects",
        status: 403,
        message:
          'scaledobjects.keda.sh "sd21-inf2" is forbidden: admission webhook "vscaledobject.kb.io" denied the request: MinReplicaCount=5 must be less than MaxReplicaCount=4',
      });

      // Act
      const error = await rejection(gateway.setScalingTarget(service, "sd21-inf2", () => "89.2"));

      // Assess
      expect(error).toBeInstanceOf(KubernetesRejectedError);
      expect(error.message).toContain(
        'its admission webhook "vscaledobject.kb.io" denied the change (403 Forbidden): MinReplicaCount=5 must be less than MaxReplicaCount=4',
      );
    });

    it("names a LIST's rule without resourceNames, which cannot narrow a LIST", async () => {
      // Prepare
      double.deny({ verb: "list", resource: "pods" });

      // Act
      const error = await rejection(gateway.readService(service));

      // Assess
      expect(error).toBeInstanceOf(KubernetesForbiddenError);
      expect(error.message).toMatch(
        /^cannot list pods in namespace "default": the Role bound to Switchyard's access-entry group needs apiGroups \[""\], resources \["pods"\], verbs \["list"\] \(see deploy\/rbac\.yaml\)/,
      );
    });

    it("maps a missing Ingress to KubernetesNotFoundError naming the object and the config field", async () => {
      // Act
      const error = await rejection(gateway.readService({ ...service, ingress: "sd22" }));

      // Assess
      expect(error).toBeInstanceOf(KubernetesNotFoundError);
      expect(error.message).toBe(
        'ingresses.networking.k8s.io "sd22" in namespace "default" not found; services[sd21].ingress in the config names it: fix the name or namespace in the config, or create the object',
      );
      expect((error.cause as ApiException<unknown>).code).toBe(404);
    });

    it("maps a missing ScaledObject on a scaling step to KubernetesNotFoundError naming its config field", async () => {
      // Prepare
      const renamed = {
        ...service,
        units: service.units.map((u) =>
          u.name === "sd21-inf2" ? { ...u, scaledObject: { ...u.scaledObject, name: "inf2" } } : u,
        ),
      };

      // Act
      const error = await rejection(gateway.setScalingTarget(renamed, "sd21-inf2", () => "89.2"));

      // Assess
      expect(error).toBeInstanceOf(KubernetesNotFoundError);
      expect(error.message).toContain(
        'scaledobjects.keda.sh "inf2" in namespace "default" not found; services[sd21].units[sd21-inf2].scaledObject.name in the config names it',
      );
    });

    it.each([
      [500, "InternalError"],
      [503, "ServiceUnavailable"],
      [429, "TooManyRequests"],
    ])("maps a %i to a retryable KubernetesUnavailableError", async (status, reason) => {
      // Prepare
      double.failNext({ verb: "get", resource: "deployments", status, message: "etcd is slow" });

      // Act
      const error = await rejection(gateway.readService(service));

      // Assess
      expect(error).toBeInstanceOf(KubernetesUnavailableError);
      expect(error.message).toMatch(
        new RegExp(
          `^the API server could not get deployments\\.apps "sd21-[a-z0-9-]+" in namespace "default" \\(${status} ${reason}\\): .*etcd is slow.*; retry later$`,
        ),
      );
      expect((error as KubernetesUnavailableError).retryable).toBe(true);
      expect((error.cause as ApiException<unknown>).code).toBe(status);
    });

    it("maps a dropped connection to KubernetesUnavailableError with the transport's cause", async () => {
      // Prepare
      double.failNext({ verb: "get", resource: "ingresses", status: "reset" });

      // Act
      const error = await rejection(gateway.readService(service));

      // Assess
      expect(error).toBeInstanceOf(KubernetesUnavailableError);
      expect(error.message).toMatch(
        /^could not get ingresses\.networking\.k8s\.io "sd21" in namespace "default": no answer from the API server \(fetch failed/,
      );
      expect(error.cause).toBeInstanceOf(TypeError);
    });

    it("maps an unreachable API server to KubernetesUnavailableError", async () => {
      // Prepare
      const config = double.kubeConfig();
      await double.stop();

      // Act
      const error = await rejection(
        new KubernetesClusterGateway({ kubeConfig: async () => config, logger: silent() }).capacityEvents(0),
      );

      // Assess
      expect(error).toBeInstanceOf(KubernetesUnavailableError);
      expect(error.message).toContain("ECONNREFUSED");
    });

    it("maps a refused token to a retryable ClusterAccessError", async () => {
      // Prepare
      const stale = new KubernetesClusterGateway({
        kubeConfig: async () => double.kubeConfig("k8s-aws-v1.expired"),
        logger: silent(),
      });

      // Act
      const error = await rejection(stale.readScaledObjects(service));

      // Assess
      expect(error).toBeInstanceOf(ClusterAccessError);
      expect(error.message).toContain(
        "a newly signed EKS token too: the function's role has no EKS access entry",
      );
      expect((error as ClusterAccessError).retryable).toBe(true);
      expect((error.cause as ApiException<unknown>).code).toBe(401);
    });

    it("wraps a failure to get the cluster's config in ClusterAccessError, keeping the cause", async () => {
      // Prepare
      const cause = new Error("DescribeCluster: throttled");
      const broken = new KubernetesClusterGateway({
        kubeConfig: () => Promise.reject(cause),
        logger: silent(),
      });

      // Act
      const error = await rejection(broken.readService(service));

      // Assess
      expect(error).toBeInstanceOf(ClusterAccessError);
      expect(error.message).toBe(
        "could not get the cluster's endpoint, CA or token: DescribeCluster: throttled",
      );
      expect(error.cause).toBe(cause);
      expect(double.requests).toHaveLength(0);
    });
  });

  describe("logging", () => {
    it("logs JSON objects under the adapter's child logger, and never the bearer token", async () => {
      // Prepare
      seedSd21(double);
      const written: string[] = [];
      const capture = (chunk: string | Uint8Array): boolean => {
        written.push(String(chunk));
        return true;
      };
      const stdout = vi.spyOn(process.stdout, "write").mockImplementation(capture);
      const stderr = vi.spyOn(process.stderr, "write").mockImplementation(capture);
      const logged = new KubernetesClusterGateway({
        kubeConfig: async () => double.kubeConfig(),
        logger: new Logger({ serviceName: "switchyard", logLevel: "INFO" }),
      });
      double.beforeNext({ verb: "patch", resource: "ingresses" }, () =>
        double.edit("Ingress", NS, "sd21", (o) => {
          o.metadata.annotations = { ...o.metadata.annotations, "example.com/owner": "team-a" };
        }),
      );
      double.deny({ verb: "get", resource: "scaledobjects" });

      // Act
      try {
        await logged.patchRouting(service, capacityRouting(service).build);
        await rejection(logged.setScalingTarget(service, "sd21-inf2", () => "89.2"));
      } finally {
        stdout.mockRestore();
        stderr.mockRestore();
      }

      // Assess
      const records = written
        .join("")
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((record) => record.adapter === "kubernetes");
      expect(records.map((r) => [r.level, r.message])).toEqual([
        ["WARN", "ingress-conflict-retrying"],
        ["INFO", "ingress-patched"],
        ["WARN", "kubernetes-request-failed"],
      ]);
      expect(records[1]).toMatchObject({ service: "switchyard", ingress: "default/sd21", attempt: 2 });
      expect(records[2]).toMatchObject({
        verb: "get",
        resource: "scaledobjects",
        name: "sd21-inf2",
        status: 403,
        error: "KubernetesForbiddenError",
      });
      expect(written.join("")).not.toContain("k8s-aws-v1");
    });
  });

  describe("options", () => {
    it("refuses a negative maxConflictRetries", () => {
      // Act
      const build = () =>
        new KubernetesClusterGateway({ kubeConfig: async () => double.kubeConfig(), maxConflictRetries: -1 });

      // Assess
      expect(build).toThrow("maxConflictRetries must be a whole number >= 0, got -1");
    });
  });
});
