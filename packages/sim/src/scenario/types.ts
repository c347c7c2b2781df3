import type { EpochMs, InferenceService, SwitchyardConfig } from "@switchyard/core";
import type { LatencyParameters } from "./schema.ts";

/** Demand over time, resolved to absolute times. */
export type DemandShape =
  | { readonly kind: "constant"; readonly rps: number }
  | {
      readonly kind: "cosine";
      readonly min: number;
      readonly max: number;
      readonly periodMs: number;
      /** A moment of peak demand; the curve repeats every period either side of it. */
      readonly peakAt: EpochMs;
    }
  | { readonly kind: "steps"; readonly steps: readonly { readonly at: EpochMs; readonly rps: number }[] }
  | {
      readonly kind: "series";
      /** Requests/s of each minute from start. */
      readonly rpsByMinute: readonly number[];
      /** The file it came from, as the scenario names it. */
      readonly file: string;
      /** For a recorded CloudWatch trace: what it held and what it left out. */
      readonly trace?: TraceFacts;
    };

/** What a replayed CloudWatch trace held, for the report. */
interface TraceFacts {
  readonly format: "get-metric-data" | "console-csv";
  readonly label: string;
  readonly periodSeconds: number;
  readonly datapoints: number;
  /** Minutes of the run no datapoint covers, replayed as no traffic. */
  readonly emptyMinutes: number;
  /** The trace's time the run's start replays. */
  readonly traceStart: EpochMs;
}

export interface DemandNoise {
  readonly percent: number;
  readonly seed: number;
}

/** A span in which EC2 launches no new instance of one type. */
export interface CapacityWindow {
  readonly instanceType: string;
  readonly from: EpochMs;
  readonly to: EpochMs;
  /** Whether the pods running on that type are lost when the window opens. */
  readonly podsLost: boolean;
  /** Only this Availability Zone (it affects units that list it); null: every zone. */
  readonly zone: string | null;
  /** Only this capacity type is out; null: both. */
  readonly capacityType: "spot" | "on-demand" | null;
  /** How long before the pods go their Spot instances are warned; null: no warning. */
  readonly warningLeadMs: number | null;
}

/**
 * The seed's hand-set manifests, as the seed-reference policy applies them: the
 * weighted-routing Ingress and ScaledObjects, and the equal-routing ones for failover.
 */
interface SeedManifests {
  /** Target-group weight per unit in the weighted-routing Ingress. */
  readonly weights: Readonly<Record<string, number>>;
  /** KEDA targetMetricValue (requests/s per pod) per unit in the weighted-routing ScaledObjects. */
  readonly weightedTargets: Readonly<Record<string, number>>;
  /** KEDA targetMetricValue per unit in the equal-routing ScaledObjects. */
  readonly equalTargets: Readonly<Record<string, number>>;
}

export interface KedaParameters {
  readonly pollingMs: number;
  readonly metricWindowMs: number;
  readonly tolerance: number;
  readonly scaleDownStabilizationMs: number;
  /** The trigger's ignoreNullValues: a minute with no datapoint reads as 0 (true) or is an error (false). */
  readonly ignoreNullValues: boolean;
}

/** A validated scenario with every default filled in and every time absolute. */
export interface Scenario {
  readonly name: string;
  readonly description: string | null;
  /** The scenario file as named on the command line. */
  readonly source: string;
  /** The config file, resolved against the scenario's folder. */
  readonly configSource: string;
  readonly config: SwitchyardConfig;
  readonly service: InferenceService;
  readonly start: EpochMs;
  readonly end: EpochMs;
  readonly stepMs: number;
  readonly demand: DemandShape;
  readonly noise: DemandNoise;
  readonly capacity: readonly CapacityWindow[];
  readonly podStartup: {
    readonly defaultMs: number;
    readonly byInstanceType: Readonly<Record<string, number>>;
  };
  /** The seed's manifests for the seed-reference policy; null when the scenario gives none. */
  readonly seedReference: SeedManifests | null;
  readonly latency: LatencyParameters;
  readonly keda: KedaParameters;
  readonly alb: { readonly ruleLagMs: number };
  readonly karpenter: { readonly offeringCacheMs: number; readonly cloudTrailDelayMs: number };
  readonly cloudwatch: {
    readonly publishDelayMs: number;
    /** [from, to) windows of minutes whose ALB datapoints are never published, traffic or not. */
    readonly gaps: readonly { readonly from: EpochMs; readonly to: EpochMs }[];
  };
}
