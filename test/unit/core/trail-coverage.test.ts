import { type TrailSelectors, type TrailView, trailCoverage, trailMissingMessage } from "@switchyard/core";
import { describe, expect, it } from "vitest";

/** CloudTrail's default for a new trail: one basic selector, all management events, read and write. */
const DEFAULT_SELECTORS: TrailSelectors = {
  basic: [{ readWriteType: "All", includeManagementEvents: true, excludeManagementEventSources: [] }],
  advanced: [],
};

const trail = (overrides: Partial<TrailView> = {}): TrailView => ({
  name: "management-events",
  homeRegion: "us-west-2",
  multiRegion: false,
  organization: false,
  logging: true,
  selectors: DEFAULT_SELECTORS,
  ...overrides,
});

const advanced = (...fieldSelectors: { field: string; equals?: string[]; notEquals?: string[] }[]) => ({
  basic: [],
  advanced: [
    {
      fieldSelectors: fieldSelectors.map((f) => ({
        field: f.field,
        equals: f.equals ?? [],
        notEquals: f.notEquals ?? [],
      })),
    },
  ],
});

describe("Function: trailCoverage", () => {
  it.each([
    ["a logging trail in the Region with the default selector", [trail()]],
    ["a multi-Region trail homed elsewhere", [trail({ homeRegion: "us-east-1", multiRegion: true })]],
    [
      "write-only management events",
      [
        trail({
          selectors: {
            ...DEFAULT_SELECTORS,
            basic: [
              {
                readWriteType: "WriteOnly",
                includeManagementEvents: true,
                excludeManagementEventSources: [],
              },
            ],
          },
        }),
      ],
    ],
    [
      "advanced selectors for write management events",
      [
        trail({
          selectors: advanced(
            { field: "eventCategory", equals: ["Management"] },
            { field: "readOnly", equals: ["false"] },
          ),
        }),
      ],
    ],
    [
      "an organization trail a member account cannot read",
      [
        trail({
          homeRegion: "us-east-1",
          multiRegion: true,
          organization: true,
          logging: null,
          selectors: null,
        }),
      ],
    ],
  ])("finds the capacity rules covered by %s", (_what, trails) => {
    // Act
    const coverage = trailCoverage(trails, "us-west-2");

    // Assess
    expect(coverage.kind).toBe("logging");
  });

  it.each([
    ["no trail at all", [], "the account has no trail"],
    [
      "a single-Region trail in another Region",
      [trail({ homeRegion: "us-east-1" })],
      "no trail applies to us-west-2 (management-events is single-Region in us-east-1)",
    ],
    ["a trail that stopped logging", [trail({ logging: false })], "management-events is not logging"],
    [
      "read-only management events",
      [
        trail({
          selectors: {
            ...DEFAULT_SELECTORS,
            basic: [
              { readWriteType: "ReadOnly", includeManagementEvents: true, excludeManagementEventSources: [] },
            ],
          },
        }),
      ],
      "management-events does not log EC2 write management events",
    ],
    [
      "data events only",
      [
        trail({
          selectors: {
            ...DEFAULT_SELECTORS,
            basic: [
              { readWriteType: "All", includeManagementEvents: false, excludeManagementEventSources: [] },
            ],
          },
        }),
      ],
      "management-events does not log EC2 write management events",
    ],
    [
      "advanced selectors that log only S3 data events",
      [
        trail({
          selectors: advanced(
            { field: "eventCategory", equals: ["Data"] },
            { field: "resources.type", equals: ["AWS::S3::Object"] },
          ),
        }),
      ],
      "management-events does not log EC2 write management events",
    ],
  ])("says the capacity rules cannot fire with %s, and why", (_what, trails, reason) => {
    // Act
    const coverage = trailCoverage(trails, "us-west-2");

    // Assess
    expect(coverage).toMatchObject({ kind: "missing", region: "us-west-2", reason });
  });

  it("writes a message that says what does not work and the fix", () => {
    // Prepare
    const coverage = trailCoverage([], "us-west-2");
    if (coverage.kind !== "missing") throw new Error("no trail is missing coverage");

    // Act
    const message = trailMissingMessage(coverage);

    // Assess
    expect(message).toMatch(
      /^No CloudTrail trail delivers EC2 write management events in us-west-2 \(the account has no trail\)/,
    );
    expect(message).toContain("the CreateFleet/RunInstances capacity rules never fire");
    expect(message).toContain("aws cloudtrail create-trail --name switchyard-management");
    expect(message).toContain("aws cloudtrail start-logging");
  });
});
