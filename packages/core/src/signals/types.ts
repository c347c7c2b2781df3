/** Milliseconds since the epoch. The core never reads a clock; times come in as data. */
export type EpochMs = number;

/**
 * One minute of ALB data for one unit's target group. CloudWatch reports nothing for a
 * minute without requests: counts are then 0 (no traffic), latency and healthy hosts
 * are null (unknown — never healthy, never breached).
 */
export interface UnitMinute {
  /** Start of the minute. */
  readonly at: EpochMs;
  /** RequestCount (Sum). */
  readonly requests: number;
  /** HTTPCode_Target_2XX_Count (Sum). */
  readonly count2xx: number;
  /** HTTPCode_Target_5XX_Count (Sum). */
  readonly count5xx: number;
  /** TargetResponseTime at the SLO's statistic (p95 by default), in milliseconds. */
  readonly latencyMs: number | null;
  /**
   * TargetResponseTime Average, in milliseconds; null when not measured. The deployed
   * reader leaves it out (and `healthyHosts`) so 100 units fit one GetMetricData call.
   */
  readonly latencyAvgMs: number | null;
  /**
   * HealthyHostCount (Minimum over the minute); null when not measured. Decisions read
   * unhealthy units from the cluster (pods desired, none ready) and use this only when set.
   */
  readonly healthyHosts: number | null;
}

export interface ServiceMetrics {
  /** Per unit name: one entry per minute of the window, oldest first. */
  readonly units: Readonly<Record<string, readonly UnitMinute[]>>;
  /**
   * The consolidated Service's target group, per minute (requests and latency only);
   * null when the service has none or it was not found.
   */
  readonly consolidated: readonly UnitMinute[] | null;
  /** HTTPCode_ELB_5XX_Count of the service's load balancer per minute (shared by every service on that ALB). */
  readonly elb5xx: readonly { readonly at: EpochMs; readonly count: number }[];
}

/** Where a capacity signal came from. */
export type CapacitySignalSource =
  | "cloudtrail-create-fleet"
  | "cloudtrail-run-instances"
  | "spot-interruption"
  | "karpenter-event"
  | "recorded-metric";

/** Evidence that EC2 could not (or soon will not) give capacity of one instance type. */
export interface CapacitySignal {
  readonly instanceType: string;
  readonly at: EpochMs;
  readonly source: CapacitySignalSource;
  /** The EC2 error code, e.g. InsufficientInstanceCapacity, or SpotInterruption. */
  readonly code: string;
  readonly count: number;
  readonly availabilityZone?: string;
  readonly detail?: string;
}

/**
 * EC2 error codes that mean "temporarily unable to launch this offering" (Karpenter's
 * pkg/errors list plus the Insufficient* family CloudTrail records).
 */
export const CAPACITY_ERROR_CODES: readonly string[] = [
  "InsufficientInstanceCapacity",
  "InsufficientHostCapacity",
  "InsufficientReservedInstanceCapacity",
  "InsufficientCapacity",
  "InsufficientCapacityOnHost",
  "UnfulfillableCapacity",
  "MaxSpotInstanceCountExceeded",
  "ReservationCapacityExceeded",
];

/** Whether an EC2 error code (with or without CloudTrail's `Server.` prefix) is a capacity error. */
export function isCapacityErrorCode(code: string): boolean {
  return CAPACITY_ERROR_CODES.includes(code.replace(/^Server\./, "").replace(/^Client\./, ""));
}
