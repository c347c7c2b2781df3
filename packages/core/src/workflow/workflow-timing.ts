import type { SwitchyardConfig } from "../config/types.ts";

/** How long the mode-switch workflow waits on the cluster and the ALB. */
export interface ModeSwitchTiming {
  /** How long VerifyAlb keeps retrying before the switch is rolled back. */
  readonly verifyTimeoutSeconds: number;
  /** The pause between two readiness checks of the receiving units. */
  readonly receiverPollSeconds: number;
}

/** New pods take tens of seconds to pass readiness; checking more often only costs transitions. */
export const RECEIVER_POLL_SECONDS = 10;

/**
 * One state machine serves every configured service, so VerifyAlb waits as long as the
 * most patient service's `verifyTimeoutSeconds`. The receivers' readiness deadline and
 * hold period need no figure here: each plan carries its own service's.
 */
export function modeSwitchTiming(config: SwitchyardConfig): ModeSwitchTiming {
  const longest = (of: (policy: SwitchyardConfig["services"][number]["policy"]) => number) =>
    Math.max(...config.services.map((s) => of(s.policy)));
  return {
    verifyTimeoutSeconds: longest((p) => p.verifyTimeoutSeconds),
    receiverPollSeconds: RECEIVER_POLL_SECONDS,
  };
}
