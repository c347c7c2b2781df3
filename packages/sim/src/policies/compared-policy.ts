import type { EpochMs, Mode, Move } from "@switchyard/core";
import type { InMemoryClusterGateway } from "../adapters/in-memory-cluster-gateway.ts";
import type { SimClock } from "../adapters/sim-clock.ts";
import type { EnvironmentModel, InitialState } from "../model/environment.ts";
import type { SimScheduler } from "../run/sim-scheduler.ts";
import type { Scenario } from "../scenario/types.ts";

export const POLICY_NAMES = [
  "switchyard",
  "seed-reference",
  "static-cost",
  "static-capacity",
  "oracle",
] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

/** A move a policy made, with why, for the report's log. */
export interface MoveRecord {
  readonly move: Move;
  readonly from: Mode;
  readonly to: Mode;
  readonly decidedAt: EpochMs;
  /** When the Ingress was patched (traffic starts moving once the ALB catches up); null if it never was. */
  readonly appliedAt: EpochMs | null;
  /** `superseded`: stood down before moving traffic, because a newer move did first. */
  readonly outcome: "succeeded" | "failed" | "running" | "superseded";
  readonly reasons: readonly string[];
  /** Anything worth a reader's attention: a wait that timed out, a rollback's cause. */
  readonly notes: readonly string[];
}

/** A decision whose outcome or reasons differ from the one before: the log of why it did what it did. */
export interface DecisionNote {
  readonly at: EpochMs;
  /** stay, pinned, or the move decided (failover, fallback, rebalance, reroute, repair), with what held a move back, if anything. */
  readonly kind: string;
  readonly reasons: readonly string[];
}

/** What a policy's run hands back besides the steps. */
export interface PolicyRun {
  moves(): readonly MoveRecord[];
  decisions(): readonly DecisionNote[];
  /** Control-plane failures (an evaluation or step that threw), with when. */
  failures(): readonly { readonly at: EpochMs; readonly message: string }[];
}

/** The world a policy acts on during one run. */
export interface PolicyContext {
  readonly scenario: Scenario;
  readonly env: EnvironmentModel;
  readonly clock: SimClock;
  readonly scheduler: SimScheduler;
  readonly cluster: InMemoryClusterGateway;
}

/** One of the compared ways to run the service. */
export interface ComparedPolicy {
  readonly name: PolicyName;
  /** One sentence for the report: what it does. */
  readonly description: string;
  /** The Ingress, KEDA targets and pods at the start of the run. */
  initialState(scenario: Scenario): InitialState;
  /** Puts the policy's work on the run's calendar; called once before the first step. */
  attach(context: PolicyContext): PolicyRun;
}
