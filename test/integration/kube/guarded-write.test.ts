import { type ApiException, CustomObjectsApi, type V1Ingress } from "@kubernetes/client-node";
import { KubernetesForbiddenError } from "@switchyard/adapters";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KubernetesConflictError, KubernetesRejectedError } from "../../../packages/adapters/src/errors.ts";
import { type GuardedWrite, guardedWrite } from "../../../packages/adapters/src/kube/guarded-write.ts";
import type { KubeLogger } from "../../../packages/adapters/src/kube/kube-request.ts";
import { KUBE_RESOURCES } from "../../../packages/adapters/src/kube/kube-target.ts";
import { JSON_PATCH, MERGE_PATCH } from "../../../packages/adapters/src/kube/service-objects.ts";
import { failureOf } from "../../support/failure.ts";
import { KubeApiDouble } from "../../support/kube-api-double.ts";
import { seedSd21 } from "../../support/kube-objects.ts";

const NS = "default";
const OWNER = "example.com/owner";
const TARGET = "/spec/triggers/0/metadata/targetMetricValue";

/** A logger that keeps each record as [level, message, keys]. */
function recordingLogger(): KubeLogger & { readonly records: [string, string, unknown][] } {
  const records: [string, string, unknown][] = [];
  const keep =
    (level: string) =>
    (message: unknown, ...extra: unknown[]): void => {
      records.push([level, String(message), Object.assign({}, ...extra)]);
    };
  return { info: keep("INFO"), warn: keep("WARN"), records };
}

interface IngressRead {
  readonly resourceVersion: string;
  readonly owner: string | undefined;
}

/**
 * A write like the gateway's patchRouting, over client-node: one annotation of the
 * Ingress, merge-patched and guarded by the resourceVersion read; `wanted` builds the
 * value (or declines) from what was read.
 */
function ownerWrite(
  double: KubeApiDouble,
  wanted: (current: IngressRead) => string | null,
): GuardedWrite<IngressRead, string, string> & { readonly built: IngressRead[] } {
  const api = double.kubeConfig().makeApiClient(CustomObjectsApi);
  const ingress = { ...KUBE_RESOURCES.ingresses, namespace: NS, name: "sd21" };
  const built: IngressRead[] = [];
  return {
    built,
    target: { verb: "patch", resource: KUBE_RESOURCES.ingresses, namespace: NS, name: "sd21" },
    read: async () => {
      const { metadata } = (await api.getNamespacedCustomObject(ingress)) as V1Ingress;
      return { resourceVersion: metadata?.resourceVersion ?? "", owner: metadata?.annotations?.[OWNER] };
    },
    build: (current) => {
      built.push(current);
      return wanted(current);
    },
    send: async (owner, current) => {
      const body = {
        metadata: { resourceVersion: current.resourceVersion, annotations: { [OWNER]: owner } },
      };
      const written = (await api.patchNamespacedCustomObject({ ...ingress, body }, MERGE_PATCH)) as V1Ingress;
      return written.metadata?.resourceVersion ?? "";
    },
    intent: (owner) => `to set ${OWNER} to ${owner}`,
    log: {
      landed: "owner-patched",
      retrying: "owner-conflict-retrying",
      keys: { ingress: `${NS}/sd21` },
      landedKeys: (owner, current, written) => ({
        owner,
        resourceVersion: { read: current.resourceVersion, written },
      }),
    },
  };
}

/** Another writer sets the owner (team-1, team-2, …) just before each of the next `times` Ingress patches. */
function otherWriterBeforeNext(double: KubeApiDouble, times = 1): void {
  const takeOver = () =>
    double.edit("Ingress", NS, "sd21", (o) => {
      const owners = Number(o.metadata.annotations?.[OWNER]?.replace("team-", "") ?? 0);
      o.metadata.annotations = { ...o.metadata.annotations, [OWNER]: `team-${owners + 1}` };
    });
  double.beforeNext({ verb: "patch", resource: "ingresses" }, takeOver, times);
}

describe("Function: guardedWrite", () => {
  let double: KubeApiDouble;

  beforeEach(async () => {
    double = new KubeApiDouble();
    await double.start();
    seedSd21(double);
    double.clearRequests();
  });

  afterEach(async () => {
    await double.stop();
  });

  it("builds the patch from the object just read and sends it guarded by that read's resourceVersion", async () => {
    // Prepare
    const before = double.get("Ingress", NS, "sd21")?.metadata.resourceVersion;
    const logger = recordingLogger();
    const write = ownerWrite(double, () => "team-a");

    // Act
    const result = await guardedWrite(write, { logger, maxConflictRetries: 3 });

    // Assess
    const after = double.get("Ingress", NS, "sd21");
    expect(result).toEqual({
      current: { resourceVersion: before, owner: undefined },
      patch: "team-a",
      written: after?.metadata.resourceVersion,
      attempt: 1,
    });
    expect(after?.metadata.annotations?.[OWNER]).toBe("team-a");
    const patch = double.requestsMatching({ verb: "patch" });
    expect(patch.map((r) => r.status)).toEqual([200]);
    expect(patch[0]?.body).toMatchObject({ metadata: { resourceVersion: before } });
    expect(logger.records).toEqual([
      [
        "INFO",
        "owner-patched",
        {
          ingress: "default/sd21",
          owner: "team-a",
          resourceVersion: { read: before, written: after?.metadata.resourceVersion },
          attempt: 1,
        },
      ],
    ]);
  });

  it("sends nothing when the builder declines", async () => {
    // Prepare
    const write = ownerWrite(double, () => null);

    // Act
    const result = await guardedWrite(write, { logger: recordingLogger(), maxConflictRetries: 3 });

    // Assess
    expect(result).toMatchObject({ patch: null, written: null, attempt: 1 });
    expect(double.requests.map((r) => r.verb)).toEqual(["get"]);
  });

  it("reads again after a 409 and runs the builder on the fresh object, which may then decline", async () => {
    // Prepare: the builder writes only while nobody owns the Ingress.
    otherWriterBeforeNext(double);
    const logger = recordingLogger();
    const write = ownerWrite(double, (current) => (current.owner === undefined ? "team-a" : null));

    // Act
    const result = await guardedWrite(write, { logger, maxConflictRetries: 3 });

    // Assess: the other writer's value stands; the second build saw it and declined.
    expect(write.built.map((b) => b.owner)).toEqual([undefined, "team-1"]);
    expect(write.built[1]?.resourceVersion).not.toBe(write.built[0]?.resourceVersion);
    expect(result).toMatchObject({ patch: null, written: null, attempt: 2 });
    expect(double.requests.map((r) => [r.verb, r.status])).toEqual([
      ["get", 200],
      ["patch", 409],
      ["get", 200],
    ]);
    expect(double.get("Ingress", NS, "sd21")?.metadata.annotations?.[OWNER]).toBe("team-1");
    expect(logger.records).toEqual([
      [
        "WARN",
        "owner-conflict-retrying",
        {
          ingress: "default/sd21",
          resourceVersion: { read: write.built[0]?.resourceVersion, now: write.built[1]?.resourceVersion },
          status: 409,
          attempt: 1,
        },
      ],
    ]);
  });

  it("gives up after maxConflictRetries fresh reads with KubernetesConflictError naming the object and the write", async () => {
    // Prepare
    otherWriterBeforeNext(double, 3);
    const write = ownerWrite(double, () => "team-a");

    // Act
    const error = await failureOf(guardedWrite(write, { logger: recordingLogger(), maxConflictRetries: 1 }));

    // Assess
    expect(error).toBeInstanceOf(KubernetesConflictError);
    expect(error.message).toBe(
      `ingresses.networking.k8s.io "sd21" in namespace "default" changed under Switchyard on each of 2 attempts to set ${OWNER} to team-a; retry the step`,
    );
    expect((error.cause as ApiException<unknown>).code).toBe(409);
    expect(double.requestsMatching({ verb: "patch" }).map((r) => r.status)).toEqual([409, 409]);
    expect(double.get("Ingress", NS, "sd21")?.metadata.annotations?.[OWNER]).toBe("team-2");
  });

  it("throws any answer but 409 and 422 at once, mapped, without reading again", async () => {
    // Prepare
    double.deny({ verb: "patch", resource: "ingresses" });
    const write = ownerWrite(double, () => "team-a");

    // Act
    const error = await failureOf(guardedWrite(write, { logger: recordingLogger(), maxConflictRetries: 3 }));

    // Assess
    expect(error).toBeInstanceOf(KubernetesForbiddenError);
    expect(double.requests.map((r) => [r.verb, r.status])).toEqual([
      ["get", 200],
      ["patch", 403],
    ]);
  });

  describe("guarded by JSON-patch test ops", () => {
    /** The write setScalingTarget makes: test the target read, then replace it. */
    function targetWrite(
      value: string,
    ): GuardedWrite<{ resourceVersion: string; target: string }, string, unknown> {
      const custom = double.kubeConfig().makeApiClient(CustomObjectsApi);
      const keda = { ...KUBE_RESOURCES.scaledObjects, namespace: NS, name: "sd21-inf2" };
      return {
        target: { verb: "patch", resource: KUBE_RESOURCES.scaledObjects, namespace: NS, name: "sd21-inf2" },
        read: async () => {
          const object = (await custom.getNamespacedCustomObject(keda)) as {
            metadata: { resourceVersion: string };
            spec: { triggers: { metadata: { targetMetricValue: string } }[] };
          };
          return {
            resourceVersion: object.metadata.resourceVersion,
            target: object.spec.triggers[0]?.metadata.targetMetricValue ?? "",
          };
        },
        build: (current) => (current.target === value ? null : current.target),
        send: (read) =>
          custom.patchNamespacedCustomObject(
            {
              ...keda,
              body: [
                { op: "test", path: TARGET, value: read },
                { op: "replace", path: TARGET, value },
              ],
            },
            JSON_PATCH,
          ),
        intent: () => `to set the target to ${value}`,
        log: { landed: "target-patched", retrying: "target-changed-retrying", keys: {} },
      };
    }

    it("reads again when a test op failed because the object moved, and tests the fresh value", async () => {
      // Prepare
      double.beforeNext({ verb: "patch", resource: "scaledobjects" }, () =>
        double.edit("ScaledObject", NS, "sd21-inf2", (o) => {
          const trigger = (o.spec as { triggers: { metadata: Record<string, string> }[] }).triggers[0];
          if (trigger !== undefined) {
            trigger.metadata.targetMetricValue = "120";
          }
        }),
      );

      // Act
      const result = await guardedWrite(targetWrite("89.2"), {
        logger: recordingLogger(),
        maxConflictRetries: 3,
      });

      // Assess
      expect(result).toMatchObject({ current: { target: "120" }, patch: "120", attempt: 2 });
      const patches = double.requestsMatching({ verb: "patch" });
      expect(patches.map((r) => r.status)).toEqual([422, 200]);
      expect(patches[1]?.body).toEqual([
        { op: "test", path: TARGET, value: "120" },
        { op: "replace", path: TARGET, value: "89.2" },
      ]);
    });

    it("throws a 422 on an object that did not move as the server's refusal, without retrying", async () => {
      // Prepare
      double.failNext({ verb: "patch", resource: "scaledobjects", status: 422 });

      // Act
      const error = await failureOf(
        guardedWrite(targetWrite("89.2"), { logger: recordingLogger(), maxConflictRetries: 3 }),
      );

      // Assess
      expect(error).toBeInstanceOf(KubernetesRejectedError);
      expect(double.requests.map((r) => [r.verb, r.status])).toEqual([
        ["get", 200],
        ["patch", 422],
        ["get", 200],
      ]);
    });
  });
});
