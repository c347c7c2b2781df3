import { decide, serviceStateFrom } from "@switchyard/core";
import { describe, expect, it } from "vitest";
import {
  leftoverEvidence,
  longestSwitchMs,
  orphanedHolds,
  transitionInFuture,
} from "../../../packages/core/src/decision/leftovers.ts";
import {
  calmSignals,
  MINUTE,
  policyOf,
  service,
  state,
  switchRecord,
  T0,
} from "../../support/decision-fixtures.ts";

const HOUR = 60 * MINUTE;
/** A hold the failover of 20:00 set on inf2. */
const hold = (owner: string) => ({ unit: "sd21-inf2", scaledObject: "sd21-inf2", replicas: "3", owner });
const failoverAt = (at: number) => {
  const d = new Date(at);
  const p = (n: number) => String(n).padStart(2, "0");
  return `sd21-failover-${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}`;
};

describe("Function: orphanedHolds", () => {
  const started = T0 - 20 * MINUTE;
  const owner = failoverAt(started);
  const listed = (status: Parameters<typeof switchRecord>[2]) => ({
    ...switchRecord("failover", started, status),
    name: owner,
  });

  it.each([
    { status: "ABORTED", orphaned: true },
    { status: "TIMED_OUT", orphaned: true },
    { status: "FAILED", orphaned: true },
    { status: "SUCCEEDED", orphaned: true },
    { status: "RUNNING", orphaned: false },
    { status: "PENDING_REDRIVE", orphaned: false },
  ] as const)("a hold whose owner is listed $status is orphaned: $orphaned", ({ status, orphaned }) => {
    const s = state({ holds: [hold(owner)], switches: [listed(status)], switchesSince: T0 - 3 * HOUR });
    expect(orphanedHolds(s)).toEqual(orphaned ? [hold(owner)] : []);
  });

  it("judges no hold whose owner started inside the history read but is not listed yet (ListExecutions lags)", () => {
    expect(
      orphanedHolds(state({ holds: [hold(owner)], switches: [], switchesSince: T0 - 3 * HOUR })),
    ).toEqual([]);
  });

  it("reads the start of an owner named to the second (a superseding reroute) the same way", () => {
    const reroute = `${failoverAt(started).replace("failover", "reroute")}30`;
    expect(
      orphanedHolds(state({ holds: [hold(reroute)], switches: [], switchesSince: T0 - 3 * HOUR })),
    ).toEqual([]);
    const old = `${failoverAt(T0 - 4 * HOUR).replace("failover", "reroute")}30`;
    expect(orphanedHolds(state({ holds: [hold(old)], switches: [], switchesSince: T0 - 3 * HOUR }))).toEqual([
      hold(old),
    ]);
  });

  it("calls a hold orphaned when its owner started before the history read, which outlasts any switch", () => {
    const old = failoverAt(T0 - 4 * HOUR);
    expect(orphanedHolds(state({ holds: [hold(old)], switches: [], switchesSince: T0 - 3 * HOUR }))).toEqual([
      hold(old),
    ]);
    expect(longestSwitchMs(policyOf(service()))).toBeLessThan(3 * HOUR);
  });
});

describe("Function: leftoverEvidence", () => {
  it("finds nothing on a service its switches left as they should", () => {
    expect(leftoverEvidence(state({ switches: [switchRecord("failover", T0 - HOUR)] }), T0)).toEqual([]);
  });

  it.each(["ABORTED", "TIMED_OUT"] as const)(
    "reports a newest switch that ended %s without its Rollback",
    (status) => {
      const evidence = leftoverEvidence(
        state({ switches: [switchRecord("failover", T0 - HOUR, status)] }),
        T0,
      );
      expect(evidence).toEqual([
        expect.objectContaining({ rule: "abandoned-switch", observed: status, breached: true }),
      ]);
      expect(evidence[0]?.detail).toMatch(new RegExp(`ended ${status} without its Rollback`));
    },
  );

  it("reports a last transition in the future, past a minute of clock difference", () => {
    expect(transitionInFuture(T0 + 30_000, T0)).toBe(false);
    expect(transitionInFuture(T0 + 2 * HOUR, T0)).toBe(true);
    const [evidence] = leftoverEvidence(state({ lastTransitionAt: T0 + 2 * HOUR }), T0);
    expect(evidence).toMatchObject({ rule: "last-transition", breached: true });
    expect(evidence?.detail).toContain("is 120 minutes in the future");
  });
});

describe("Function: decide, with what a switch left behind", () => {
  const policy = policyOf(service());
  const owner = failoverAt(T0 - 30 * MINUTE);
  const aborted = { ...switchRecord("failover", T0 - 30 * MINUTE, "ABORTED"), name: owner };

  it("repairs the current mode and lifts the holds no running switch owns", () => {
    const decision = decide(
      state({ holds: [hold(owner)], switches: [aborted], switchesSince: T0 - 3 * HOUR }),
      calmSignals(),
      policy,
      T0,
    );
    expect(decision).toMatchObject({ kind: "repair", from: "cost", to: "cost", releaseHolds: [hold(owner)] });
    expect(decision.reasons.join("\n")).toContain("the hold no running switch owns is lifted");
  });

  it("repairs a last transition from the future in capacity mode too, where the dwell time would hold the fallback", () => {
    const decision = decide(
      state({ mode: "capacity", lastTransitionAt: T0 + 3 * HOUR }),
      calmSignals(),
      policy,
      T0,
    );
    expect(decision).toMatchObject({ kind: "repair", from: "capacity", to: "capacity", releaseHolds: [] });
  });

  it("repairs at most once per dwell time: a repair that could not fix it does not run every minute", () => {
    const lately = { ...switchRecord("repair", T0 - 3 * MINUTE, "FAILED"), name: "sd21-repair-202611142117" };
    const decision = decide(
      state({ holds: [hold(owner)], switches: [lately, aborted], switchesSince: T0 - 3 * HOUR }),
      calmSignals(),
      policy,
      T0,
    );
    expect(decision.kind).not.toBe("repair");
    expect(decision.evidence).toContainEqual(
      expect.objectContaining({ rule: "orphaned-holds", breached: true }),
    );
  });

  it("never repairs before answering a loss", () => {
    const decision = decide(
      state({ holds: [hold(owner)], switches: [aborted], switchesSince: T0 - 3 * HOUR }),
      {
        ...calmSignals(),
        capacity: [
          {
            instanceType: "inf2.xlarge",
            at: T0 - MINUTE,
            source: "cloudtrail-create-fleet",
            code: "InsufficientInstanceCapacity",
            count: 3,
          },
        ],
      },
      { ...policy, lossResponse: "failover" },
      T0,
    );
    expect(decision.kind).toBe("failover");
  });
});

describe("Function: serviceStateFrom, the weights of an action", () => {
  const ingress = (weights: readonly unknown[]) => ({
    ingress: {
      namespace: "default",
      name: "sd21",
      resourceVersion: "1",
      annotations: {
        "switchyard.io/mode": "cost",
        "alb.ingress.kubernetes.io/actions.weighted-routing": JSON.stringify({
          type: "forward",
          forwardConfig: {
            targetGroups: weights.map((weight, i) => ({
              serviceName: service().units[i]?.service.name,
              servicePort: 80,
              weight,
            })),
          },
        }),
      },
    },
    units: {},
  });

  it.each([
    {
      weights: [10.5, 20],
      problem: /targetGroups\[0\] \(sd21-inf2\) has weight 10\.5, not a whole number from 0 to 999/,
    },
    { weights: [1000, 20], problem: /has weight 1000, not a whole number from 0 to 999/ },
    { weights: [-1, 20], problem: /has weight -1/ },
    { weights: ["10", 20], problem: /has weight "10"/ },
    {
      weights: [0, 0, 0],
      problem: /every target group has weight 0, so the action routes no request anywhere/,
    },
  ])("reads $weights as a problem a repair rewrites", ({ weights, problem }) => {
    const s = serviceStateFrom({ service: service(), cluster: ingress(weights) as never, switches: [] });
    expect(s.weights).toBeNull();
    expect(s.actionProblem).toMatch(problem);
    expect(decide(s, calmSignals(), policyOf(service()), T0).kind).toBe("repair");
  });

  it("reads whole weights from 0 to 999, some of them 0", () => {
    const s = serviceStateFrom({ service: service(), cluster: ingress([999, 0, 12]) as never, switches: [] });
    expect(s.actionProblem).toBeNull();
    expect(s.weights).toMatchObject({ "sd21-inf2": 999, "sd21-trn1": 0, "sd21-a10g-triton": 12 });
  });
});
