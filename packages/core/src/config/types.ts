import type { Policy } from "./policy-schema.ts";
import type { CapacityType, ForecastSettings, Slo, Stickiness } from "./schema.ts";

/** A config after validation, with every default filled in. Plain data, safe to serialize. */
export interface SwitchyardConfig {
  readonly cluster: { readonly name: string; readonly region: string };
  readonly alerts?: { readonly email?: string };
  readonly services: readonly InferenceService[];
}

export interface InferenceService {
  readonly name: string;
  readonly namespace: string;
  readonly ingress: string;
  readonly action: string;
  readonly slo: Slo;
  readonly headroom: number;
  readonly demandRps?: number;
  readonly consolidatedService?: ServiceRef;
  readonly stickiness?: Stickiness;
  /** The HPA's scale-up tolerance the KEDA targets allow for (0.1 unless the ScaledObjects carry their own). */
  readonly scaleUpTolerance: number;
  readonly forecast: ForecastSettings;
  readonly fixedWeights?: Readonly<Record<string, number>>;
  readonly units: readonly DeploymentUnit[];
  /** The top-level policy with this service's overrides applied. */
  readonly policy: Policy;
}

interface ServiceRef {
  readonly name: string;
  readonly port: number | string;
}

/** One model on one accelerator with one framework: a Deployment, its Service and its ScaledObject. */
export interface DeploymentUnit {
  readonly name: string;
  readonly service: ServiceRef;
  readonly deployment: string;
  readonly scaledObject: {
    readonly name: string;
    /** The trigger is found by type (default aws-cloudwatch), and by name when one is given. */
    readonly triggerType: string;
    readonly triggerName?: string;
    readonly metadataKey: string;
  };
  readonly instanceTypes: readonly string[];
  /** USD per hour for one instance of the unit's type; a pod costs this ÷ podsPerInstance (`podHourlyPrice`). */
  readonly hourlyPrice: number;
  /** Pods of this unit one instance holds (Karpenter packs them). */
  readonly podsPerInstance: number;
  /** Seconds from a new pod's creation to ready: how far ahead of a forecast ramp its floor rises. */
  readonly startupSeconds: number;
  /** Breaking point: requests per second one pod serves within the SLO. */
  readonly maxRps: number;
  /** Response time at maxRps, in milliseconds. */
  readonly latencyMs: number;
  readonly minReplicaCount: number;
  readonly maxReplicaCount: number;
  /**
   * What the unit's NodePool may launch, Karpenter's preference first (spot before
   * on-demand); absent means on-demand only. See capacity-cells.ts.
   */
  readonly capacityTypes?: readonly CapacityType[];
  /** USD per hour of one instance launched on-demand by a unit that prefers Spot (a pod pays ÷ podsPerInstance); defaults to hourlyPrice. */
  readonly onDemandHourlyPrice?: number;
  /** Availability Zones its pods spread over evenly; absent when not known. */
  readonly zones?: readonly string[];
}

export type { CapacityType, Policy, Stickiness };
