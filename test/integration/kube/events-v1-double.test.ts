import { ApiException, CoreV1Api, EventsV1Api } from "@kubernetes/client-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KubeApiDouble } from "../../support/kube-api-double.ts";
import { seedSd21 } from "../../support/kube-objects.ts";

const NS = "default";

/** An events.k8s.io/v1 Event as client-go's events recorder makes one (tools/events/event_recorder.go, makeEvent). */
function event(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: "events.k8s.io/v1",
    kind: "Event",
    metadata: { name: "sd21.18a4f1c2b3d40001", namespace: NS },
    eventTime: "2026-11-14T21:20:00.123000Z",
    reportingController: "switchyard",
    reportingInstance: "switchyard-dev-apply-scaling",
    action: "Failover",
    reason: "SwitchStarted",
    type: "Normal",
    note: "Failover from cost to capacity mode started",
    regarding: { apiVersion: "networking.k8s.io/v1", kind: "Ingress", namespace: NS, name: "sd21" },
    ...overrides,
  };
}

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

describe("Class: KubeApiDouble — events.k8s.io/v1 Event creates", () => {
  let double: KubeApiDouble;
  let events: EventsV1Api;
  let core: CoreV1Api;

  beforeEach(async () => {
    double = new KubeApiDouble();
    await double.start();
    seedSd21(double);
    events = double.kubeConfig().makeApiClient(EventsV1Api);
    core = double.kubeConfig().makeApiClient(CoreV1Api);
  });

  afterEach(async () => {
    await double.stop();
  });

  const create = (body: Record<string, unknown>) =>
    events.createNamespacedEvent({ namespace: NS, body: body as never });

  it("stores a valid Event once, and core/v1 reads it back converted (regarding → involvedObject, note → message)", async () => {
    // Act
    await create(event());
    const taken = await failure(create(event()));

    // Assess
    expect(taken.code).toBe(409);
    expect(taken.body).toMatchObject({
      reason: "AlreadyExists",
      message: 'events.events.k8s.io "sd21.18a4f1c2b3d40001" already exists',
    });
    const listed = await core.listNamespacedEvent({
      namespace: NS,
      fieldSelector: "involvedObject.name=sd21",
    });
    expect(listed.items).toHaveLength(1);
    expect(listed.items[0]).toMatchObject({
      involvedObject: { kind: "Ingress", name: "sd21" },
      reason: "SwitchStarted",
      message: "Failover from cost to capacity mode started",
      reportingComponent: "switchyard",
      reportingInstance: "switchyard-dev-apply-scaling",
      action: "Failover",
      type: "Normal",
    });
    expect(listed.items[0]?.lastTimestamp).toBeUndefined();
    expect(listed.items[0]?.count).toBeUndefined();
  });

  it("refuses an eventTime that is not a MicroTime of six fractional digits with 400, as the API server's decoder does", async () => {
    const refused = await failure(create(event({ eventTime: "2026-11-14T21:20:00.123Z" })));
    expect(refused.code).toBe(400);
    expect(refused.body.message).toContain('as "2006-01-02T15:04:05.000000Z07:00"');
  });

  it.each([
    ["no reportingController", { reportingController: undefined }, "reportingController: Required value"],
    [
      "a reportingController that is no qualified name",
      { reportingController: "Switch yard" },
      "reportingController",
    ],
    ["no action", { action: undefined }, "action: Required value"],
    [
      "a reason over 128 characters",
      { reason: "R".repeat(129) },
      "reason: Invalid value: can have at most 128",
    ],
    ["a note over 1024 bytes", { note: "é".repeat(513) }, "note: Invalid value: can have at most 1024"],
    ["a type other than Normal or Warning", { type: "Info" }, "type: Invalid value"],
    [
      "a deprecated field of core/v1",
      { deprecatedCount: 1 },
      "deprecatedCount: Invalid value: needs to be unset",
    ],
    [
      "a series of one",
      { series: { count: 1, lastObservedTime: "2026-11-14T21:20:00.123000Z" } },
      "series.count",
    ],
  ])("refuses an Event with %s (422, ValidateEventCreate)", async (_what, overrides, message) => {
    const refused = await failure(create(event(overrides)));
    expect(refused.code).toBe(422);
    expect(refused.body.reason).toBe("Invalid");
    expect(refused.body.message).toContain(message);
    expect(double.all("Event", NS)).toEqual([]);
  });
});
