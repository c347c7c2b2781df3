import { Logger } from "@aws-lambda-powertools/logger";
import { KubernetesClusterGateway, KubernetesForbiddenError } from "@switchyard/adapters";
import { SWITCH_EVENT_REASONS, type SwitchEvent } from "@switchyard/core/manifests";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KubeApiDouble } from "../../support/kube-api-double.ts";
import { seedSd21 } from "../../support/kube-objects.ts";
import { sd21Service } from "../../support/sd21.ts";

const NS = "default";
const DECIDED = Date.parse("2026-11-14T21:20:00Z");

const started: SwitchEvent = {
  reason: SWITCH_EVENT_REASONS.started,
  type: "Normal",
  action: "Failover",
  note: "Failover from cost to capacity mode started (sd21-failover-202611142120)",
  at: DECIDED + 1_234,
  switchDecidedAt: DECIDED,
};

describe("Class: KubernetesClusterGateway — recordEvent", () => {
  let double: KubeApiDouble;
  let gateway: KubernetesClusterGateway;
  const service = sd21Service();

  beforeEach(async () => {
    double = new KubeApiDouble();
    await double.start();
    seedSd21(double);
    gateway = new KubernetesClusterGateway({
      kubeConfig: async () => double.kubeConfig(),
      logger: new Logger({ serviceName: "switchyard-test", logLevel: "SILENT" }),
      reportingInstance: "switchyard-dev-apply-scaling",
    });
  });

  afterEach(async () => {
    await double.stop();
  });

  it("POSTs one events.k8s.io/v1 Event about the Ingress as read: its uid, a MicroTime, the reporter and the note", async () => {
    // Act
    await gateway.recordEvent(service, started);

    // Assess
    const ingress = double.get("Ingress", NS, "sd21");
    const [create] = double.requestsMatching({ verb: "create", resource: "events" });
    expect(create?.path).toBe("/apis/events.k8s.io/v1/namespaces/default/events");
    expect(create?.status).toBe(201);
    expect(create?.body).toEqual({
      apiVersion: "events.k8s.io/v1",
      kind: "Event",
      metadata: { name: `sd21.${(BigInt(DECIDED) * 1_000_000n + 1n).toString(16)}`, namespace: NS },
      eventTime: "2026-11-14T21:20:01.234000Z",
      reportingController: "switchyard",
      reportingInstance: "switchyard-dev-apply-scaling",
      action: "Failover",
      reason: "SwitchStarted",
      type: "Normal",
      note: started.note,
      regarding: {
        apiVersion: "networking.k8s.io/v1",
        kind: "Ingress",
        namespace: NS,
        name: "sd21",
        uid: ingress?.metadata.uid,
        resourceVersion: ingress?.metadata.resourceVersion,
      },
    });
  });

  it("takes AlreadyExists as written (the same switch's same step, retried), and writes nothing more", async () => {
    await gateway.recordEvent(service, started);
    await gateway.recordEvent(service, { ...started, at: started.at + 5_000 });

    expect(double.requestsMatching({ verb: "create", resource: "events" }).map((r) => r.status)).toEqual([
      201, 409,
    ]);
    expect(double.all("Event", NS)).toHaveLength(1);
  });

  it("throws a denied create with the Role rule it needs, for the caller to log", async () => {
    double.deny({ verb: "create", resource: "events" });

    const error = await gateway.recordEvent(service, started).then(
      () => null,
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(KubernetesForbiddenError);
    expect((error as Error).message).toContain(
      'needs apiGroups ["events.k8s.io"], resources ["events"], verbs ["create"]',
    );
  });
});
