import { eventNote, SWITCH_EVENT_REASONS, switchEventObject } from "@switchyard/core/manifests";
import { describe, expect, it } from "vitest";
import {
  clipBytes,
  EVENT_NOTE_LIMIT_BYTES,
  microTime,
  switchEventName,
} from "../../../packages/core/src/manifests/switch-event.ts";

const DECIDED = Date.parse("2026-11-14T21:20:00Z");
const bytes = (text: string) => Buffer.byteLength(text);

describe("Function: microTime", () => {
  it("writes six fractional digits, the only form the API server parses (RFC3339Micro)", () => {
    expect(microTime(Date.parse("2026-11-14T21:20:00.5Z"))).toBe("2026-11-14T21:20:00.500000Z");
  });
});

describe("Function: switchEventName", () => {
  it("names a switch's Events after the Ingress, in the order they happen, the same name for the same step", () => {
    const names = Object.values(SWITCH_EVENT_REASONS).map((reason) =>
      switchEventName("sd21", { reason, switchDecidedAt: DECIDED }),
    );
    const [started, moved, succeeded, ...ends] = names;
    expect(started).toBe(`sd21.${(BigInt(DECIDED) * 1_000_000n + 1n).toString(16)}`);
    expect([started, moved, succeeded]).toEqual([...[started, moved, succeeded]].sort());
    expect(new Set(ends).size).toBe(1);
    expect(
      switchEventName("sd21", { reason: "SwitchStarted", switchDecidedAt: DECIDED + 60_000 }) >
        (succeeded ?? ""),
    ).toBe(true);
  });

  it("cuts a long Ingress name to fit 253 characters, ending on an alphanumeric (a DNS subdomain)", () => {
    const name = switchEventName(`${"a".repeat(230)}-${"b".repeat(30)}`, {
      reason: "SwitchStarted",
      switchDecidedAt: DECIDED,
    });
    expect(name.length).toBeLessThanOrEqual(253);
    expect(name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/);
  });
});

describe("Function: eventNote", () => {
  it("keeps a note within the API server's 1024 bytes, cutting the text and never the console link", () => {
    const link =
      "https://us-west-2.console.aws.amazon.com/states/home?region=us-west-2#/v2/executions/details/x";
    const note = eventNote(`Failover failed: ${"é".repeat(800)}`, link);
    expect(bytes(note)).toBeLessThanOrEqual(EVENT_NOTE_LIMIT_BYTES);
    expect(note.endsWith(`... ${link}`)).toBe(true);
    expect(eventNote("short", link)).toBe(`short ${link}`);
  });

  it("cuts on a character boundary", () => {
    expect(clipBytes("éééé", 7)).toBe("éé...");
    expect(clipBytes("abc", 3)).toBe("abc");
  });
});

describe("Function: switchEventObject", () => {
  it("builds the events.k8s.io/v1 Event: regarding the Ingress, reported by switchyard, the note within its limit", () => {
    const object = switchEventObject({
      event: {
        reason: "SwitchRolledBack",
        type: "Warning",
        action: "Fallback",
        note: "x".repeat(2000),
        at: DECIDED + 90_000,
        switchDecidedAt: DECIDED,
      },
      regarding: {
        apiVersion: "networking.k8s.io/v1",
        kind: "Ingress",
        namespace: "inference",
        name: "sd21",
        uid: "u-1",
      },
      reportingInstance: "f".repeat(200),
    });
    expect(object).toMatchObject({
      apiVersion: "events.k8s.io/v1",
      metadata: { namespace: "inference" },
      eventTime: "2026-11-14T21:21:30.000000Z",
      reportingController: "switchyard",
      action: "Fallback",
      reason: "SwitchRolledBack",
      type: "Warning",
      regarding: { kind: "Ingress", name: "sd21", uid: "u-1" },
    });
    expect(object.reportingInstance).toHaveLength(128);
    expect(bytes(object.note)).toBe(EVENT_NOTE_LIMIT_BYTES);
  });
});
