import { type ServiceClusterState, serviceStateFrom } from "@switchyard/core";
import { describe, expect, it } from "vitest";
import { sd21Service } from "../../support/sd21.ts";
import { seedObject } from "../../support/seed-manifests.ts";

const svc = sd21Service();
const ACTION = "alb.ingress.kubernetes.io/actions.weighted-routing";

function cluster(annotations: Record<string, string>): ServiceClusterState {
  return {
    ingress: { namespace: "default", name: "sd21", resourceVersion: "7", annotations },
    units: {
      "sd21-inf2": {
        desiredReplicas: 3,
        readyReplicas: 2,
        deploymentFound: true,
        unschedulablePods: [
          { name: "sd21-inf2-b", since: 2000 },
          { name: "sd21-inf2-a", since: 1000 },
        ],
      },
    },
  };
}

const seedAnnotations = (file: string) => seedObject(file, "Ingress", "sd21").metadata.annotations ?? {};

describe("Function: serviceStateFrom", () => {
  it("reads the seed's weighted annotation as cost mode with its weights", () => {
    const state = serviceStateFrom({
      service: svc,
      cluster: cluster(seedAnnotations("sd21-weighted-routing-ing.yaml")),
      switches: [],
    });
    expect(state.mode).toBe("cost");
    expect(state.modeRecorded).toBe(false);
    expect(state.weights).toEqual({
      "sd21-inf2": 40,
      "sd21-trn1": 20,
      "sd21-a10g-triton": 15,
      "sd21-l4-triton": 10,
      "sd21-a10g-cuda": 15,
    });
    expect(state.actionProblem).toBeNull();
  });

  it("infers capacity mode from the seed's round-robin annotation, where every unit carries traffic", () => {
    const state = serviceStateFrom({
      service: svc,
      cluster: cluster(seedAnnotations("sd21-equal-routing-ing.yaml")),
      switches: [],
    });
    expect(state.mode).toBe("capacity");
    expect(Object.values(state.weights ?? {})).toEqual([100, 100, 100, 100, 100]);
  });

  it("reads Switchyard's own annotations: mode, last transition, failover cause and pin", () => {
    const state = serviceStateFrom({
      service: svc,
      cluster: cluster({
        ...seedAnnotations("sd21-equal-routing-ing.yaml"),
        "switchyard.io/mode": "capacity",
        "switchyard.io/last-transition": "2026-11-14T21:22:00Z",
        "switchyard.io/failover-cause": "sd21-inf2, sd21-gone",
        "switchyard.io/pin": "capacity until 2026-11-15T06:00:00Z",
      }),
      switches: [],
    });
    expect(state).toMatchObject({
      mode: "capacity",
      modeRecorded: true,
      lastTransitionAt: Date.parse("2026-11-14T21:22:00Z"),
      failoverCause: ["sd21-inf2"],
      pin: { mode: "capacity", until: Date.parse("2026-11-15T06:00:00Z") },
    });
  });

  it("reports an action annotation that is not valid JSON, and one that is missing", () => {
    const broken = serviceStateFrom({
      service: svc,
      cluster: cluster({ [ACTION]: "{not json" }),
      switches: [],
    });
    expect(broken.weights).toBeNull();
    expect(broken.actionProblem).toMatch(
      /^Ingress default\/sd21 annotation alb\.ingress\.kubernetes\.io\/actions\.weighted-routing: is not valid JSON/,
    );
    const missing = serviceStateFrom({ service: svc, cluster: cluster({}), switches: [] });
    expect(missing.actionProblem).toBe(`Ingress default/sd21 annotation ${ACTION} is missing`);
  });

  it.each([
    [
      '{"type":"forward","targetGroupARN":"arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/blue/0123"}',
      "a forward to target group arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/blue/0123",
    ],
    ['{"type":"forward","TargetGroupName":"blue"}', "a forward to target group blue"],
    [
      '{"type":"fixed-response","fixedResponseConfig":{"contentType":"text/plain","statusCode":"503"}}',
      "a fixed-response action (status 503)",
    ],
    [
      '{"type":"redirect","redirectConfig":{"host":"x.example.com","StatusCode":"HTTP_302"}}',
      "a redirect action (HTTP_302)",
    ],
  ])("reads %s as a valid action Switchyard did not write, not as a problem", (value, described) => {
    const state = serviceStateFrom({ service: svc, cluster: cluster({ [ACTION]: value }), switches: [] });
    expect(state.actionProblem).toBeNull();
    expect(state.weights).toBeNull();
    expect(state.actionForeign).toBe(`Ingress default/sd21 annotation ${ACTION} holds ${described}`);
  });

  it.each([
    ['{"type":"fixed-response"}', "a fixed response without its config"],
    ['{"type":"redirect","redirectConfig":{"host":"x"}}', "a redirect without a statusCode"],
    ['{"type":"forward"}', "a forward to nothing"],
    ['{"type":"weighted"}', "an unknown type"],
  ])("reads %s (%s) as a problem to repair: the controller refuses it too", (value) => {
    const state = serviceStateFrom({ service: svc, cluster: cluster({ [ACTION]: value }), switches: [] });
    expect(state.actionForeign).toBeNull();
    expect(state.actionProblem).not.toBeNull();
  });

  it("takes every unit as a cause when none is recorded, and the oldest unschedulable pod's time", () => {
    const state = serviceStateFrom({ service: svc, cluster: cluster({}), switches: [] });
    expect(state.failoverCause).toEqual(svc.units.map((u) => u.name));
    expect(state.units["sd21-inf2"]).toEqual({
      desiredReplicas: 3,
      readyReplicas: 2,
      unschedulableSince: 1000,
      unschedulablePods: 2,
    });
    expect(state.units["sd21-trn1"]).toEqual({
      desiredReplicas: 0,
      readyReplicas: 0,
      unschedulableSince: null,
      unschedulablePods: 0,
    });
  });
});
