import {
  CloudTrailClient,
  CloudTrailServiceException,
  DescribeTrailsCommand,
  GetEventSelectorsCommand,
  GetTrailStatusCommand,
} from "@aws-sdk/client-cloudtrail";
import { CloudTrailTrailReader } from "@switchyard/adapters";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import {
  MISSING_TRAIL_RECHECK_MS,
  TRAIL_RECHECK_MS,
} from "../../../packages/adapters/src/aws/cloudtrail-trail-reader.ts";
import "../../support/aws-sdk-matchers.ts";
import { ManualClock } from "../../support/fake-ports.ts";
import { defaultTrail } from "../../support/handler-world.ts";

const T0 = Date.parse("2025-06-02T14:00:00Z");
const ORG_TRAIL_ARN = "arn:aws:cloudtrail:us-east-1:111122223333:trail/org-management";

describe("Class: CloudTrailTrailReader", () => {
  const cloudtrail = mockClient(CloudTrailClient);
  const client = new CloudTrailClient({ region: "us-west-2" });
  const reader = (clock = new ManualClock(T0)) => new CloudTrailTrailReader({ client, clock });

  afterEach(() => {
    cloudtrail.reset();
  });

  it("declares the IAM actions it calls", () => {
    expect(CloudTrailTrailReader.iamActions).toEqual([
      "cloudtrail:DescribeTrails",
      "cloudtrail:GetEventSelectors",
      "cloudtrail:GetTrailStatus",
    ]);
  });

  it("finds a logging multi-Region trail with shadow trails included, and reads it once an hour", async () => {
    // Prepare
    const trail = defaultTrail("us-east-1");
    cloudtrail.on(DescribeTrailsCommand).resolves({ trailList: [trail] });
    cloudtrail.on(GetTrailStatusCommand, { Name: trail.TrailARN }).resolves({ IsLogging: true });
    cloudtrail
      .on(GetEventSelectorsCommand, { TrailName: trail.TrailARN })
      .resolves({ EventSelectors: [{ ReadWriteType: "All", IncludeManagementEvents: true }] });
    const clock = new ManualClock(T0);
    const subject = reader(clock);

    // Act
    const first = await subject.coverage("us-west-2");
    clock.advance(TRAIL_RECHECK_MS - 60_000);
    await subject.coverage("us-west-2");
    clock.advance(60_000);
    await subject.coverage("us-west-2");

    // Assess
    expect(first).toEqual({ kind: "logging", trail: "management-events", verified: true });
    expect(cloudtrail).toHaveReceivedCommandWith(DescribeTrailsCommand, { includeShadowTrails: true });
    expect(cloudtrail).toHaveReceivedCommandTimes(DescribeTrailsCommand, 2);
  });

  it("says there is none when the only trail is not logging, and looks again sooner", async () => {
    // Prepare
    const trail = { ...defaultTrail("us-west-2"), IsMultiRegionTrail: false };
    cloudtrail.on(DescribeTrailsCommand).resolves({ trailList: [trail] });
    cloudtrail.on(GetTrailStatusCommand).resolves({ IsLogging: false });
    cloudtrail
      .on(GetEventSelectorsCommand)
      .resolves({ EventSelectors: [{ ReadWriteType: "All", IncludeManagementEvents: true }] });
    const clock = new ManualClock(T0);
    const subject = reader(clock);

    // Act
    const coverage = await subject.coverage("us-west-2");
    clock.advance(MISSING_TRAIL_RECHECK_MS);
    await subject.coverage("us-west-2");

    // Assess
    expect(coverage).toMatchObject({ kind: "missing", reason: "management-events is not logging" });
    expect(cloudtrail).toHaveReceivedCommandTimes(DescribeTrailsCommand, 2);
  });

  it("counts an organization trail whose status a member account may not read, unverified", async () => {
    // Prepare
    cloudtrail.on(DescribeTrailsCommand).resolves({
      trailList: [
        {
          Name: "org-management",
          TrailARN: ORG_TRAIL_ARN,
          HomeRegion: "us-east-1",
          IsMultiRegionTrail: true,
          IsOrganizationTrail: true,
        },
      ],
    });
    const denied = new CloudTrailServiceException({
      name: "AccessDeniedException",
      $fault: "client",
      $metadata: { httpStatusCode: 400 },
      message: "not authorized",
    });
    cloudtrail.on(GetTrailStatusCommand).rejects(denied);
    cloudtrail.on(GetEventSelectorsCommand).rejects(denied);

    // Act
    const coverage = await reader().coverage("us-west-2");

    // Assess
    expect(coverage).toEqual({ kind: "logging", trail: "org-management", verified: false });
  });

  it("answers unknown, naming the IAM action, when DescribeTrails is denied", async () => {
    // Prepare
    cloudtrail.on(DescribeTrailsCommand).rejects(
      new CloudTrailServiceException({
        name: "AccessDeniedException",
        $fault: "client",
        $metadata: { httpStatusCode: 400 },
        message: "User is not authorized to perform: cloudtrail:DescribeTrails",
      }),
    );

    // Act
    const coverage = await reader().coverage("us-west-2");

    // Assess
    expect(coverage).toMatchObject({ kind: "unknown", region: "us-west-2" });
    expect(coverage.kind === "unknown" && coverage.reason).toMatch(/allows cloudtrail:DescribeTrails/);
  });
});
