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
type CapacitySignalSource =
  | "cloudtrail-create-fleet"
  | "cloudtrail-run-instances"
  | "spot-interruption"
  | "karpenter-event"
  | "recorded-metric";

/**
 * The capacity type of the launch that failed or of the instance being reclaimed:
 * Karpenter's `karpenter.sh/capacity-type` values, which are EC2's `lifecycle` of a
 * CreateFleet error item and its `InstanceMarketOptions.MarketType` (spot; absent is
 * on-demand). See capacity-type-sources in docs/decision-policy.md.
 */
export type SignalCapacityType = "spot" | "on-demand";

/** The code of a Spot interruption warning as a capacity signal. */
export const SPOT_INTERRUPTION_CODE = "SpotInterruption";

/** Evidence that EC2 could not (or soon will not) give capacity of one instance type. */
export interface CapacitySignal {
  readonly instanceType: string;
  readonly at: EpochMs;
  readonly source: CapacitySignalSource;
  /** The EC2 error code, e.g. InsufficientInstanceCapacity, or SpotInterruption. */
  readonly code: string;
  readonly count: number;
  readonly availabilityZone?: string;
  /** The capacity type asked for (or reclaimed), when the source says; absent when it does not. */
  readonly capacityType?: SignalCapacityType;
  readonly detail?: string;
}

/** Whether a signal is a Spot interruption warning (as the event delivered it, or read back). */
export function isInterruptionWarning(signal: Pick<CapacitySignal, "code">): boolean {
  return signal.code === SPOT_INTERRUPTION_CODE;
}

/**
 * EC2 error codes that mean EC2 has no capacity of an offering now: a reason to route
 * around the unit whose pool it is. (CloudTrail's Insufficient* family, and the
 * capacity codes of Karpenter's `unfulfillableCapacityErrorCodes`,
 * aws/karpenter-provider-aws pkg/errors/errors.go.)
 */
export const CAPACITY_ERROR_CODES: readonly string[] = [
  "InsufficientInstanceCapacity",
  "InsufficientHostCapacity",
  "InsufficientReservedInstanceCapacity",
  "InsufficientCapacity",
  "InsufficientCapacityOnHost",
  "UnfulfillableCapacity",
  "ReservationCapacityExceeded",
];

/** Why a launch was refused for a reason that is not EC2's capacity. */
type LaunchBlockKind = "quota" | "subnet" | "offering";

/**
 * The rest of Karpenter's unfulfillable codes (pkg/errors/errors.go,
 * `unfulfillableCapacityErrorCodes`: Karpenter marks the offering unavailable and tries
 * another): the account or the network refused the launch, not EC2's pools. Moving
 * traffic would not help (the other units launch under the same quota and subnets), so
 * these alert an operator with the fix and never fail a service over.
 */
export const LAUNCH_BLOCK_CODES: Readonly<
  Record<string, { readonly kind: LaunchBlockKind; readonly fix: string }>
> = {
  VcpuLimitExceeded: {
    kind: "quota",
    fix: 'raise the account\'s EC2 vCPU quota for the instance family (Service Quotas, "Running On-Demand ... instances" or "All ... Spot Instance Requests")',
  },
  MaxSpotInstanceCountExceeded: {
    kind: "quota",
    fix: 'raise the account\'s Spot Instance quota (Service Quotas, "All ... Spot Instance Requests") or let the NodePool use on-demand',
  },
  MaxFleetCountExceeded: {
    kind: "quota",
    fix: "raise the account's EC2 Fleet quota, or delete fleets of type maintain/request that are no longer needed",
  },
  InsufficientFreeAddressesInSubnet: {
    kind: "subnet",
    fix: "free or add IP addresses in the subnet (a larger subnet, another subnet in the EC2NodeClass/node group, or VPC CNI prefix delegation)",
  },
  Unsupported: {
    kind: "offering",
    fix: "the instance type is not offered in that Availability Zone: drop the zone from the NodePool's/node group's subnets or the type from the unit",
  },
};

function bareCode(code: string): string {
  return code.replace(/^(Server|Client)\./, "");
}

/** Whether an EC2 error code (with or without CloudTrail's `Server.`/`Client.` prefix) is a capacity error. */
export function isCapacityErrorCode(code: string): boolean {
  return CAPACITY_ERROR_CODES.includes(bareCode(code));
}

/** The quota, subnet or offering problem an EC2 error code names, or null for any other code. */
export function launchBlockOf(code: string): { readonly kind: LaunchBlockKind; readonly fix: string } | null {
  return Object.hasOwn(LAUNCH_BLOCK_CODES, bareCode(code))
    ? (LAUNCH_BLOCK_CODES[bareCode(code)] ?? null)
    : null;
}

/**
 * A launch EC2 refused for a quota, subnet or offering reason (LAUNCH_BLOCK_CODES): the
 * evaluation reports and alerts it; it never counts as a capacity signal.
 */
export interface LaunchBlock {
  readonly kind: LaunchBlockKind;
  readonly code: string;
  /** Null when neither the request nor the message names it (a quota refuses the whole call). */
  readonly instanceType: string | null;
  readonly availabilityZone: string | null;
  readonly subnetId: string | null;
  readonly at: EpochMs;
  readonly source: "cloudtrail-create-fleet" | "cloudtrail-run-instances";
  readonly count: number;
  readonly detail: string | null;
  /** What an operator does about it. */
  readonly fix: string;
}

/**
 * Running nodes of one instance type in one zone on one capacity type: where a Spot unit's
 * pods stand. EC2 reclaims one instance type in one zone at once, so these are its cells.
 */
export interface NodeCell {
  readonly instanceType: string;
  readonly availabilityZone: string;
  readonly capacityType: "spot" | "on-demand";
  readonly nodes: number;
}
