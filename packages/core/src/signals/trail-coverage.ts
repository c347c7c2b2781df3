/**
 * Whether CloudTrail delivers the CreateFleet/RunInstances calls the capacity rules match.
 * EventBridge receives "AWS API Call via CloudTrail" events only from a trail with logging
 * on (EventBridge User Guide, "Events from AWS services": "To record events with a
 * detail-type value of AWS API Call via CloudTrail, a CloudTrail trail with logging
 * enabled is required"), and CreateFleet/RunInstances are write management events of
 * ec2.amazonaws.com. Without such a trail in the cluster's Region the rules never fire
 * and nothing says so: capacity errors then reach evaluate only through Karpenter's
 * events and the 1-minute schedule.
 */

/** One trail as DescribeTrails, GetTrailStatus and GetEventSelectors describe it. */
export interface TrailView {
  readonly name: string;
  readonly homeRegion: string | null;
  readonly multiRegion: boolean;
  readonly organization: boolean;
  /** GetTrailStatus IsLogging; null when it could not be read (e.g. an organization trail seen from a member account). */
  readonly logging: boolean | null;
  /** GetEventSelectors; null when it could not be read. */
  readonly selectors: TrailSelectors | null;
}

export interface TrailSelectors {
  readonly basic: readonly {
    readonly readWriteType: string | null;
    readonly includeManagementEvents: boolean | null;
    readonly excludeManagementEventSources: readonly string[];
  }[];
  readonly advanced: readonly {
    readonly fieldSelectors: readonly {
      readonly field: string;
      readonly equals: readonly string[];
      readonly notEquals: readonly string[];
    }[];
  }[];
}

export type TrailCoverage =
  | { readonly kind: "logging"; readonly trail: string; readonly verified: boolean }
  | { readonly kind: "missing"; readonly region: string; readonly reason: string; readonly fix: string }
  | { readonly kind: "unknown"; readonly region: string; readonly reason: string };

const EC2 = "ec2.amazonaws.com";

function basicLogsEc2Writes(selectors: TrailSelectors): boolean {
  return selectors.basic.some(
    (s) =>
      // IncludeManagementEvents defaults to true, ReadWriteType to All (CloudTrail API reference, EventSelector).
      s.includeManagementEvents !== false &&
      (s.readWriteType === null || s.readWriteType === "All" || s.readWriteType === "WriteOnly") &&
      !s.excludeManagementEventSources.includes(EC2),
  );
}

function advancedLogsEc2Writes(selectors: TrailSelectors): boolean {
  return selectors.advanced.some(({ fieldSelectors }) => {
    const field = (name: string) => fieldSelectors.find((f) => f.field === name);
    const category = field("eventCategory");
    const readOnly = field("readOnly");
    const source = field("eventSource");
    return (
      category?.equals.includes("Management") === true &&
      (readOnly === undefined || readOnly.equals.length === 0 || readOnly.equals.includes("false")) &&
      (readOnly === undefined || !readOnly.notEquals.includes("false")) &&
      (source === undefined ||
        ((source.equals.length === 0 || source.equals.includes(EC2)) && !source.notEquals.includes(EC2)))
    );
  });
}

/** Whether the trail's selectors log EC2's write management events (CreateFleet, RunInstances). */
function selectorsLogEc2Writes(selectors: TrailSelectors): boolean {
  return selectors.advanced.length > 0 ? advancedLogsEc2Writes(selectors) : basicLogsEc2Writes(selectors);
}

/** The fix for a Region with no trail that logs EC2's write management events. */
function trailFix(region: string): string {
  return `create a trail that logs management events (read/write All or WriteOnly) in ${region}, e.g. \`aws cloudtrail create-trail --name switchyard-management --s3-bucket-name <bucket> --is-multi-region-trail && aws cloudtrail start-logging --name switchyard-management\`, or turn on write management events and logging on an existing trail; see docs/operations.md, "CloudTrail trail"`;
}

/**
 * Which trail, if any, delivers EC2's write management events in `region` (`trails` from
 * DescribeTrails with shadow trails, so multi-Region and organization trails homed
 * elsewhere are there). An organization trail whose status or selectors a member account
 * cannot read counts, unverified: organizations log management events account-wide.
 */
export function trailCoverage(trails: readonly TrailView[], region: string): TrailCoverage {
  const applicable = trails.filter((t) => t.multiRegion || t.homeRegion === region);
  const covering = applicable.find(
    (t) => t.logging === true && t.selectors !== null && selectorsLogEc2Writes(t.selectors),
  );
  if (covering !== undefined) {
    return { kind: "logging", trail: covering.name, verified: true };
  }
  const unreadable = applicable.find(
    (t) => t.organization && (t.logging === null || t.selectors === null) && t.logging !== false,
  );
  if (unreadable !== undefined) {
    return { kind: "logging", trail: unreadable.name, verified: false };
  }
  const why =
    applicable.length === 0
      ? trails.length === 0
        ? "the account has no trail"
        : `no trail applies to ${region} (${trails.map((t) => `${t.name} is single-Region in ${t.homeRegion ?? "?"}`).join("; ")})`
      : applicable
          .map((t) =>
            t.logging === false
              ? `${t.name} is not logging`
              : t.selectors === null || t.logging === null
                ? `${t.name} could not be read`
                : `${t.name} does not log EC2 write management events`,
          )
          .join("; ");
  return { kind: "missing", region, reason: why, fix: trailFix(region) };
}

/** The operator's message for a Region whose capacity rules cannot fire. */
export function trailMissingMessage(coverage: Extract<TrailCoverage, { kind: "missing" }>): string {
  return `No CloudTrail trail delivers EC2 write management events in ${coverage.region} (${coverage.reason}): EventBridge sends "AWS API Call via CloudTrail" events only from a trail with logging on, so the CreateFleet/RunInstances capacity rules never fire and a capacity error waits for the next scheduled evaluation and Karpenter's events. Fix: ${coverage.fix}.`;
}
