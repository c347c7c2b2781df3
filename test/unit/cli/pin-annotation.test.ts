import { parsePin } from "@switchyard/core";
import { SWITCHYARD_ANNOTATIONS } from "@switchyard/core/manifests";
import { describe, expect, it } from "vitest";
import {
  parseUntil,
  pinPatch,
  pinValue,
  unpinPatch,
} from "../../../packages/cli/src/commands/pin-annotation.ts";

const NOW = new Date("2026-12-01T23:35:12.345Z");
const ingress = (annotations: Record<string, string>) => ({
  namespace: "default",
  name: "sd21",
  resourceVersion: "41",
  annotations,
});

describe("Function: parseUntil", () => {
  it.each([
    ["2h", "2026-12-02T01:35:12Z"],
    ["90m", "2026-12-02T01:05:12Z"],
    ["1d", "2026-12-02T23:35:12Z"],
    ["1h30m", "2026-12-02T01:05:12Z"],
    ["90s", "2026-12-01T23:36:42Z"],
    ["2026-12-02T01:00:00Z", "2026-12-02T01:00:00Z"],
    ["2026-12-02T03:00:00+02:00", "2026-12-02T01:00:00Z"],
  ])("reads %s as %s, in whole seconds", (text, expected) => {
    expect(new Date(parseUntil(text, NOW)).toISOString().replace(".000Z", "Z")).toBe(expected);
  });

  it.each([
    "",
    "2",
    "2 hours",
    "-1h",
    "1w",
    "30m1h",
    "1h1h",
    "2026-12-02",
    "2026-12-02T01:00",
    "2026-12-02T01:00Z",
    "2026-13-02T01:00:00Z",
    // Date.parse reads these as March 1 and 2, and "12/31" and "1" as local dates in 2001.
    "2027-02-30T00:00:00Z",
    "2027-02-29T00:00:00Z",
    "2027-04-31T00:00:00Z",
    "2027-01-01T24:00:00Z",
    "12/31",
  ])("refuses %j, naming both accepted forms", (text) => {
    expect(() => parseUntil(text, NOW)).toThrow(
      /is neither a duration .* nor an RFC 3339 time with its offset/,
    );
  });

  it("refuses an expiry past the year 9999 with a usage error, not a RangeError", () => {
    expect(() => parseUntil("99999999d", NOW)).toThrow(/past the year 9999/);
  });

  it("refuses a time in the past and an expiry of now", () => {
    expect(() => parseUntil("2026-12-01T23:00:00Z", NOW)).toThrow(
      "--until 2026-12-01T23:00:00Z is in the past (2026-12-01T23:00:00Z; it is 2026-12-01T23:35:12Z)",
    );
    expect(() => parseUntil("0m", new Date("2026-12-01T23:35:12Z"))).toThrow("--until 0m is now");
  });
});

describe("Function: pinPatch", () => {
  it("writes a value the controller's parsePin reads back as the same mode and expiry", () => {
    const until = parseUntil("2h", NOW);
    const value = pinValue({ mode: "capacity", until });
    expect(value).toBe("capacity until 2026-12-02T01:35:12Z");
    expect(parsePin(value, "cost")).toEqual({ mode: "capacity", until, raw: value });
    expect(parsePin(pinValue({ mode: "cost", until: null }), "capacity")).toEqual({
      mode: "cost",
      until: null,
      raw: "cost",
    });
  });

  it("patches only the keys that change, removing a reason left from an earlier pin", () => {
    const current = ingress({
      [SWITCHYARD_ANNOTATIONS.pin]: "cost",
      [SWITCHYARD_ANNOTATIONS.pinReason]: "old",
      "alb.ingress.kubernetes.io/scheme": "internet-facing",
    });
    expect(pinPatch(current, { mode: "capacity", until: null, reason: null })).toEqual({
      metadata: {
        annotations: { [SWITCHYARD_ANNOTATIONS.pin]: "capacity", [SWITCHYARD_ANNOTATIONS.pinReason]: null },
      },
    });
    expect(pinPatch(current, { mode: "cost", until: null, reason: "old" })).toBeNull();
  });

  it("unpins only Switchyard's keys, and is null without a pin", () => {
    expect(
      unpinPatch(ingress({ [SWITCHYARD_ANNOTATIONS.pin]: "cost", [SWITCHYARD_ANNOTATIONS.mode]: "cost" })),
    ).toEqual({ metadata: { annotations: { [SWITCHYARD_ANNOTATIONS.pin]: null } } });
    expect(unpinPatch(ingress({ [SWITCHYARD_ANNOTATIONS.mode]: "cost" }))).toBeNull();
  });
});

describe("Function: parsePin (the controller's reading of switchyard.io/pin)", () => {
  it.each(["12/31", "1", "2026-02-30T00:00:00Z", "2026-12-02T01:00Z", "2026-12-02"])(
    "does not read %j as an expiry: it holds without one and says why",
    (until) => {
      const pin = parsePin(`capacity until ${until}`, "cost");
      expect(pin.until).toBeNull();
      expect(pin.problem).toMatch(/is not an RFC 3339 time/);
    },
  );

  it("reads an RFC 3339 expiry with an offset", () => {
    expect(parsePin("cost until 2026-12-02T03:00:00+02:00", "capacity").until).toBe(Date.UTC(2026, 11, 2, 1));
  });
});
