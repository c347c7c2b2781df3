import type { Logger } from "@aws-lambda-powertools/logger";
import {
  type CloudTrailClient,
  DescribeTrailsCommand,
  GetEventSelectorsCommand,
  GetTrailStatusCommand,
  type Trail,
} from "@aws-sdk/client-cloudtrail";
import {
  type EpochMs,
  HOUR,
  MINUTE,
  type TrailCoverage,
  type TrailSelectors,
  type TrailView,
  trailCoverage,
} from "@switchyard/core";
import type { Clock, TrailCoverageReader } from "@switchyard/core/ports";
import { describeAwsError } from "./aws-fault.ts";

interface CloudTrailTrailReaderOptions {
  /** Created once per container, at module scope. */
  readonly client: CloudTrailClient;
  readonly clock: Clock;
  readonly logger?: Logger;
}

/** Trails change rarely: read them at a container's first evaluation, then once an hour. */
export const TRAIL_RECHECK_MS = HOUR;
/** A missing trail is looked for again sooner, so the alarm clears soon after the fix. */
export const MISSING_TRAIL_RECHECK_MS = 10 * MINUTE;

/**
 * Reads whether a trail delivers EC2's write management events in a Region, so the
 * evaluate function can say when its CloudTrail rules can never fire. The answer is kept
 * for TRAIL_RECHECK_MS per container (MISSING_TRAIL_RECHECK_MS when there is none). A failed read answers `unknown` (and is retried at
 * the next evaluation): it must never stop an evaluation.
 */
export class CloudTrailTrailReader implements TrailCoverageReader {
  static readonly iamActions = [
    "cloudtrail:DescribeTrails",
    "cloudtrail:GetEventSelectors",
    "cloudtrail:GetTrailStatus",
  ] as const;

  readonly #client: CloudTrailClient;
  readonly #clock: Clock;
  readonly #logger: Logger | undefined;
  #cached: { readonly region: string; readonly at: EpochMs; readonly coverage: TrailCoverage } | null = null;

  constructor(options: CloudTrailTrailReaderOptions) {
    this.#client = options.client;
    this.#clock = options.clock;
    this.#logger = options.logger?.createChild({ persistentKeys: { adapter: "CloudTrailTrailReader" } });
  }

  async coverage(region: string): Promise<TrailCoverage> {
    const now = this.#clock.now();
    const cached = this.#cached;
    const recheck = cached?.coverage.kind === "missing" ? MISSING_TRAIL_RECHECK_MS : TRAIL_RECHECK_MS;
    if (cached !== null && cached.region === region && now >= cached.at && now - cached.at < recheck) {
      return cached.coverage;
    }
    let trails: readonly Trail[];
    try {
      // Shadow trails too: a multi-Region or organization trail homed elsewhere applies here.
      const output = await this.#client.send(new DescribeTrailsCommand({ includeShadowTrails: true }));
      trails = output.trailList ?? [];
    } catch (error) {
      const reason = `CloudTrail DescribeTrails failed: ${describeAwsError(error)}; check that the evaluate function's role allows cloudtrail:DescribeTrails`;
      this.#logger?.warn("trail check failed", { region, reason });
      return { kind: "unknown", region, reason };
    }
    const views = await Promise.all(trails.map((trail) => this.#view(trail)));
    const coverage = trailCoverage(views, region);
    this.#cached = { region, at: now, coverage };
    return coverage;
  }

  async #view(trail: Trail): Promise<TrailView> {
    const id = trail.TrailARN ?? trail.Name ?? "";
    const [logging, selectors] = await Promise.all([this.#logging(id), this.#selectors(id)]);
    return {
      name: trail.Name ?? id,
      homeRegion: trail.HomeRegion ?? null,
      multiRegion: trail.IsMultiRegionTrail === true,
      organization: trail.IsOrganizationTrail === true,
      logging,
      selectors,
    };
  }

  async #logging(trail: string): Promise<boolean | null> {
    try {
      const status = await this.#client.send(new GetTrailStatusCommand({ Name: trail }));
      return status.IsLogging ?? null;
    } catch (error) {
      this.#logger?.info("trail status unreadable", { trail, error: describeAwsError(error) });
      return null;
    }
  }

  async #selectors(trail: string): Promise<TrailSelectors | null> {
    try {
      const output = await this.#client.send(new GetEventSelectorsCommand({ TrailName: trail }));
      return {
        basic: (output.EventSelectors ?? []).map((s) => ({
          readWriteType: s.ReadWriteType ?? null,
          includeManagementEvents: s.IncludeManagementEvents ?? null,
          excludeManagementEventSources: s.ExcludeManagementEventSources ?? [],
        })),
        advanced: (output.AdvancedEventSelectors ?? []).map((s) => ({
          fieldSelectors: (s.FieldSelectors ?? []).map((f) => ({
            field: f.Field ?? "",
            equals: f.Equals ?? [],
            notEquals: f.NotEquals ?? [],
          })),
        })),
      };
    } catch (error) {
      this.#logger?.info("trail selectors unreadable", { trail, error: describeAwsError(error) });
      return null;
    }
  }
}
