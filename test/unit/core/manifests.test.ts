import { ManifestError, planService } from "@switchyard/core";
import {
  actionAnnotationKey,
  foreignTargetGroups,
  handAppliedTargetPatch,
  ingressRoutingPatch,
  parseForwardAction,
  renderForwardAction,
  SWITCHYARD_ANNOTATIONS,
  scaledObjectTargetPatch,
} from "@switchyard/core/manifests";
import jsonPatch from "fast-json-patch";
import mergePatch from "json-merge-patch";
import { describe, expect, it } from "vitest";
import { escapePointerSegment } from "../../../packages/core/src/manifests/json-patch.ts";
import { sd21Service } from "../../support/sd21.ts";
import { type KubeObject, seedObject } from "../../support/seed-manifests.ts";
import { validateUpstream } from "../../support/upstream-schemas.ts";

const ACTION = actionAnnotationKey("weighted-routing");
const SEED_WEIGHTS = {
  "sd21-inf2": 40,
  "sd21-trn1": 20,
  "sd21-a10g-triton": 15,
  "sd21-l4-triton": 10,
  "sd21-a10g-cuda": 15,
};
const seedIngress = (file: string): KubeObject => seedObject(file, "Ingress", "sd21");
const seedAction = (file: string): unknown =>
  JSON.parse(seedIngress(file).metadata.annotations?.[ACTION] ?? "");
const byService = (action: unknown) => {
  const a = structuredClone(action) as { forwardConfig: { targetGroups: { serviceName: string }[] } };
  a.forwardConfig.targetGroups.sort((x, y) => x.serviceName.localeCompare(y.serviceName));
  return a;
};

describe("Function: renderForwardAction", () => {
  it("writes the seed's equal-routing annotation for the capacity plan of examples/sd21", () => {
    const plan = planService({ service: sd21Service(), mode: "capacity", demandRps: 446 });
    const value = renderForwardAction(plan.routing, { stickiness: { enabled: true, durationSeconds: 200 } });
    expect(JSON.parse(value)).toEqual(seedAction("sd21-equal-routing-ing.yaml"));
  });

  it("writes the seed's weighted-routing annotation for the fixed weights 40/20/15/10/15", () => {
    const service = sd21Service({ fixedWeights: SEED_WEIGHTS });
    const plan = planService({ service, mode: "cost", demandRps: 446 });
    const rendered = JSON.parse(
      renderForwardAction(plan.routing, { stickiness: { enabled: true, durationSeconds: 200 } }),
    );
    // The ALB does not care about the order of target groups; compare as sets.
    expect(byService(rendered)).toEqual(byService(seedAction("sd21-weighted-routing-ing.yaml")));
  });

  it("keeps the current annotation's target-group order, so the seed's file round-trips exactly", () => {
    const service = sd21Service({ fixedWeights: SEED_WEIGHTS });
    const plan = planService({ service, mode: "cost", demandRps: 446 });
    const current = parseForwardAction(
      seedIngress("sd21-weighted-routing-ing.yaml").metadata.annotations?.[ACTION] ?? "",
      "Ingress default/sd21",
    );
    expect(JSON.parse(renderForwardAction(plan.routing, { current }))).toEqual(
      seedAction("sd21-weighted-routing-ing.yaml"),
    );
  });

  it("keeps the stickiness found in the current annotation when the config is silent", () => {
    const { stickiness: _none, ...silent } = sd21Service();
    const plan = planService({ service: silent, mode: "capacity", demandRps: 100 });
    const current = parseForwardAction(
      '{"type":"forward","forwardConfig":{"targetGroups":[],"targetGroupStickinessConfig":{"enabled":true,"durationSeconds":45}}}',
      "test",
    );
    const rendered = JSON.parse(renderForwardAction(plan.routing, { current }));
    expect(rendered.forwardConfig.targetGroupStickinessConfig).toEqual({
      enabled: true,
      durationSeconds: 45,
    });
    expect(
      JSON.parse(renderForwardAction(plan.routing)).forwardConfig.targetGroupStickinessConfig,
    ).toBeUndefined();
  });

  it("lets the config's stickiness win over the current annotation's", () => {
    const plan = planService({ service: sd21Service(), mode: "capacity", demandRps: 100 });
    const current = parseForwardAction(
      '{"type":"forward","forwardConfig":{"targetGroups":[],"targetGroupStickinessConfig":{"enabled":false}}}',
      "test",
    );
    const rendered = JSON.parse(
      renderForwardAction(plan.routing, { current, stickiness: { enabled: true, durationSeconds: 200 } }),
    );
    expect(rendered.forwardConfig.targetGroupStickinessConfig).toEqual({
      enabled: true,
      durationSeconds: 200,
    });
  });

  it("refuses a weight outside the ALB's 0-999", () => {
    expect(() =>
      renderForwardAction({ targetGroups: [{ serviceName: "a", servicePort: 80, weight: 1000 }] }),
    ).toThrow(/weight 1000 is outside the ALB's 0-999/);
  });
});

describe("Function: parseForwardAction", () => {
  it.each([
    ["not JSON", "{type: forward", /Ingress default\/sd21: is not valid JSON/],
    ["another action type", '{"type":"fixed-response"}', /is not a forward action/],
    [
      "a forward action without target groups",
      '{"type":"forward","forwardConfig":{}}',
      /no forwardConfig.targetGroups/,
    ],
  ])("names the Ingress when the value is %s", (_case, value, message) => {
    expect(() => parseForwardAction(value, "Ingress default/sd21")).toThrow(message);
    expect(() => parseForwardAction(value, "Ingress default/sd21")).toThrow(ManifestError);
  });
});

describe("Function: parseForwardAction (field names as the Load Balancer Controller reads them)", () => {
  // The controller decodes the annotation with Go's encoding/json, which matches a key to
  // a field's tag exactly, else case-insensitively, and lets a later key overwrite an
  // earlier one for the same field (golang/go#43664). Values are compared exactly.
  const handWritten =
    '{"Type":"forward","ForwardConfig":{"TargetGroups":[{"ServiceName":"sd21-inf2","servicePort":80,"WEIGHT":40},' +
    '{"serviceName":"sd21-g5-triton","ServicePort":"http","weight":60}],' +
    '"targetgroupstickinessconfig":{"Enabled":true,"DURATIONSECONDS":200}}}';

  it("reads a hand-written action whose field names differ in case", () => {
    expect(parseForwardAction(handWritten, "Ingress default/sd21")).toEqual({
      type: "forward",
      forwardConfig: {
        targetGroups: [
          { serviceName: "sd21-inf2", servicePort: 80, weight: 40 },
          { serviceName: "sd21-g5-triton", servicePort: "http", weight: 60 },
        ],
        targetGroupStickinessConfig: { enabled: true, durationSeconds: 200 },
      },
    });
  });

  it("writes it back with the casing the controller documents", () => {
    const current = parseForwardAction(handWritten, "Ingress default/sd21");
    const rendered = renderForwardAction(
      {
        targetGroups: [
          { serviceName: "sd21-g5-triton", servicePort: "http", weight: 50 },
          { serviceName: "sd21-inf2", servicePort: 80, weight: 50 },
        ],
      },
      { current },
    );
    expect(rendered).toBe(
      '{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"sd21-inf2","servicePort":80,"weight":50},' +
        '{"serviceName":"sd21-g5-triton","servicePort":"http","weight":50}],' +
        '"targetGroupStickinessConfig":{"enabled":true,"durationSeconds":200}}}',
    );
  });

  it("lets the last key for a field win, as Go does, an exact match included", () => {
    const value =
      '{"type":"redirect","TYPE":"forward","forwardConfig":{"targetGroups":[{"weight":1,"Weight":7}]}}';
    expect(parseForwardAction(value, "Ingress default/sd21").forwardConfig.targetGroups).toEqual([
      { weight: 7 },
    ]);
  });

  it("still compares the action type exactly", () => {
    expect(() =>
      parseForwardAction('{"type":"Forward","forwardConfig":{"targetGroups":[]}}', "Ingress default/sd21"),
    ).toThrow(/is not a forward action/);
  });
});

describe("Function: foreignTargetGroups", () => {
  const own = ["sd21-inf2", "sd21-trn1", "sd21"];
  it("finds a Service the config does not name and a tuple addressed by ARN or name", () => {
    const action = parseForwardAction(
      JSON.stringify({
        type: "forward",
        forwardConfig: {
          targetGroups: [
            { serviceName: "sd21-inf2", servicePort: 80, weight: 90 },
            { serviceName: "sd21-canary", servicePort: 80, weight: 10 },
            { targetGroupARN: "arn:aws:elasticloadbalancing:us-west-2:1:targetgroup/blue/1", weight: 0 },
            { targetGroupName: "green", weight: 5 },
          ],
        },
      }),
      "test",
    );
    expect(
      foreignTargetGroups(action, own).map((g) => g.serviceName ?? g.targetGroupARN ?? g.targetGroupName),
    ).toEqual(["sd21-canary", "arn:aws:elasticloadbalancing:us-west-2:1:targetgroup/blue/1", "green"]);
  });

  it("finds none in the seed's annotations", () => {
    const action = parseForwardAction(JSON.stringify(seedAction("sd21-weighted-routing-ing.yaml")), "seed");
    const units = sd21Service().units.map((u) => u.service.name);
    expect(foreignTargetGroups(action, units)).toEqual([]);
  });
});

describe("Function: ingressRoutingPatch", () => {
  const plan = planService({ service: sd21Service(), mode: "capacity", demandRps: 446 });
  const patch = ingressRoutingPatch({
    action: "weighted-routing",
    actionValue: renderForwardAction(plan.routing, { stickiness: { enabled: true, durationSeconds: 200 } }),
    mode: "capacity",
    transitionAt: "2026-11-14T21:20:00Z",
    resourceVersion: "4711",
  });

  it("sets only the action, mode and last-transition annotations", () => {
    expect(Object.keys(patch.metadata.annotations).sort()).toEqual(
      [ACTION, SWITCHYARD_ANNOTATIONS.lastTransition, SWITCHYARD_ANNOTATIONS.mode].sort(),
    );
    expect(patch.metadata.resourceVersion).toBe("4711");
  });

  it("leaves every other annotation, the labels and the spec as they were when merged", () => {
    const before = seedIngress("sd21-weighted-routing-ing.yaml");
    const after = mergePatch.apply(structuredClone(before), patch) as KubeObject;
    const untouched = (o: KubeObject) => {
      const {
        [ACTION]: _action,
        [SWITCHYARD_ANNOTATIONS.mode]: _mode,
        [SWITCHYARD_ANNOTATIONS.lastTransition]: _at,
        ...rest
      } = o.metadata.annotations ?? {};
      return { rest, labels: o.metadata.labels, spec: o.spec };
    };
    expect(untouched(after)).toEqual(untouched(before));
    expect(after.metadata.annotations?.[SWITCHYARD_ANNOTATIONS.mode]).toBe("capacity");
    expect(JSON.parse(after.metadata.annotations?.[ACTION] ?? "")).toEqual(
      seedAction("sd21-equal-routing-ing.yaml"),
    );
  });

  it("produces an Ingress the upstream networking.k8s.io/v1 schema accepts", () => {
    const after = mergePatch.apply(seedIngress("sd21-weighted-routing-ing.yaml"), patch);
    expect(() => validateUpstream(after)).not.toThrow();
  });
});

describe("Function: scaledObjectTargetPatch", () => {
  const unit = sd21Service().units[0];
  if (unit === undefined) {
    throw new Error("no unit");
  }
  const seed = () => seedObject("sd21-scaledobject-weighted-routing.yaml", "ScaledObject", "sd21-inf2");

  it("guards the trigger's type and the old value with test ops and replaces it with a string", () => {
    expect(scaledObjectTargetPatch(seed(), unit.scaledObject, "89.2")).toEqual([
      { op: "test", path: "/spec/triggers/0/type", value: "aws-cloudwatch" },
      { op: "test", path: "/spec/triggers/0/metadata/targetMetricValue", value: "100" },
      { op: "replace", path: "/spec/triggers/0/metadata/targetMetricValue", value: "89.2" },
    ]);
  });

  it("yields a ScaledObject the upstream KEDA schema accepts, with the other fields intact", () => {
    const before = seed();
    const patched = jsonPatch.applyPatch(
      structuredClone(before),
      scaledObjectTargetPatch(before, unit.scaledObject, "89.2") as never,
    ).newDocument;
    expect(() => validateUpstream(patched)).not.toThrow();
    const trigger = (patched.spec as { triggers: { metadata: Record<string, string> }[] }).triggers[0];
    expect(trigger?.metadata).toEqual({
      ...(before.spec as { triggers: { metadata: object }[] }).triggers[0]?.metadata,
      targetMetricValue: "89.2",
    });
  });

  it("is refused by the API's test op when someone changed the value since it was read", () => {
    const read = seed();
    const patch = scaledObjectTargetPatch(read, unit.scaledObject, "89.2");
    const changed = seed();
    (
      (changed.spec as { triggers: { metadata: Record<string, string> }[] }).triggers[0] as {
        metadata: Record<string, string>;
      }
    ).metadata.targetMetricValue = "120";
    expect(() => jsonPatch.applyPatch(changed, patch as never, true)).toThrow();
  });

  it("is empty when the target already has the value", () => {
    expect(scaledObjectTargetPatch(seed(), unit.scaledObject, "100")).toEqual([]);
  });

  it("escapes '/' and '~' in a metadata key as ~1 and ~0", () => {
    expect(escapePointerSegment("alb.ingress.kubernetes.io/actions.x~y")).toBe(
      "alb.ingress.kubernetes.io~1actions.x~0y",
    );
    const ref = { ...unit.scaledObject, metadataKey: "example.com/target" };
    const object = seed();
    (
      (object.spec as { triggers: { metadata: Record<string, string> }[] }).triggers[0] as {
        metadata: Record<string, string>;
      }
    ).metadata["example.com/target"] = "5";
    expect(scaledObjectTargetPatch(object, ref, "6").at(-1)?.path).toBe(
      "/spec/triggers/0/metadata/example.com~1target",
    );
  });

  /** The seed's ScaledObject with its triggers replaced. */
  const withTriggers = (triggers: readonly object[]) => {
    const object = seed();
    (object.spec as { triggers: readonly object[] }).triggers = triggers;
    return object;
  };
  const cpu = { type: "cpu", metricType: "Utilization", metadata: { value: "60" } };
  const prometheus = {
    type: "prometheus",
    metadata: { serverAddress: "http://prometheus:9090", query: "sum(rate(x[1m]))", threshold: "50" },
  };
  const cloudwatch = (name?: string, target = "100") => ({
    type: "aws-cloudwatch",
    ...(name === undefined ? {} : { name }),
    metadata: {
      namespace: "hw-agnostic-infer",
      metricName: "m",
      targetMetricValue: target,
      awsRegion: "us-west-2",
    },
  });

  it("finds the aws-cloudwatch trigger by its type when a cpu trigger comes first", () => {
    const object = withTriggers([cpu, cloudwatch()]);
    expect(() => validateUpstream(object)).not.toThrow();
    const patch = scaledObjectTargetPatch(object, unit.scaledObject, "89.2");
    expect(patch).toEqual([
      { op: "test", path: "/spec/triggers/1/type", value: "aws-cloudwatch" },
      { op: "test", path: "/spec/triggers/1/metadata/targetMetricValue", value: "100" },
      { op: "replace", path: "/spec/triggers/1/metadata/targetMetricValue", value: "89.2" },
    ]);
    const patched = jsonPatch.applyPatch(object, patch as never, true).newDocument;
    expect((patched.spec as { triggers: unknown[] }).triggers).toEqual([cpu, cloudwatch(undefined, "89.2")]);
  });

  it("refuses a prometheus-only ScaledObject, naming its triggers and the config fields", () => {
    expect(() => scaledObjectTargetPatch(withTriggers([prometheus]), unit.scaledObject, "89.2")).toThrow(
      /ScaledObject sd21-inf2: has no aws-cloudwatch trigger \(its triggers: prometheus\); Switchyard sets targetMetricValue on that trigger only\. Add it to the ScaledObject, or set scaledObject\.triggerType in the config/,
    );
  });

  it("picks the trigger of another type, or of a name, that the config names", () => {
    const object = withTriggers([cloudwatch("queue", "7"), cloudwatch("rps", "100")]);
    expect(() => scaledObjectTargetPatch(object, unit.scaledObject, "89.2")).toThrow(
      /has 2 aws-cloudwatch triggers \(at spec\.triggers\[0\], \[1\]\); name the one that carries the per-pod target with scaledObject\.triggerName/,
    );
    expect(scaledObjectTargetPatch(object, { ...unit.scaledObject, triggerName: "rps" }, "89.2")).toEqual([
      { op: "test", path: "/spec/triggers/1/type", value: "aws-cloudwatch" },
      { op: "test", path: "/spec/triggers/1/name", value: "rps" },
      { op: "test", path: "/spec/triggers/1/metadata/targetMetricValue", value: "100" },
      { op: "replace", path: "/spec/triggers/1/metadata/targetMetricValue", value: "89.2" },
    ]);
    const ref = { ...unit.scaledObject, triggerType: "prometheus", metadataKey: "threshold" };
    expect(scaledObjectTargetPatch(withTriggers([cpu, prometheus]), ref, "40").at(-1)).toEqual({
      op: "replace",
      path: "/spec/triggers/1/metadata/threshold",
      value: "40",
    });
  });

  it("is refused by the API server when a trigger was put in front since the read", () => {
    const patch = scaledObjectTargetPatch(withTriggers([cloudwatch()]), unit.scaledObject, "89.2");
    expect(() => jsonPatch.applyPatch(withTriggers([cpu, cloudwatch()]), patch as never, true)).toThrow();
  });

  it("refuses a trigger without the key rather than add one it would leave behind", () => {
    const object = seed();
    delete (
      (object.spec as { triggers: { metadata: Record<string, string> }[] }).triggers[0] as {
        metadata: Record<string, string>;
      }
    ).metadata.targetMetricValue;
    expect(() => scaledObjectTargetPatch(object, unit.scaledObject, "95.5")).toThrow(
      /ScaledObject sd21-inf2: its aws-cloudwatch trigger \(spec\.triggers\[0\]\) has no metadata\.targetMetricValue; KEDA needs it/,
    );
  });

  it("shows that the upstream schema refuses a numeric targetMetricValue", () => {
    const object = seed();
    (
      (object.spec as { triggers: { metadata: Record<string, unknown> }[] }).triggers[0] as {
        metadata: Record<string, unknown>;
      }
    ).metadata.targetMetricValue = 89.2;
    expect(() => validateUpstream(object)).toThrow();
  });

  it("has a hand-applied form that the API server refuses when triggers[0] is not the aws-cloudwatch one", () => {
    const patch = handAppliedTargetPatch(unit.scaledObject, "70");
    expect(patch).toEqual([
      { op: "test", path: "/spec/triggers/0/type", value: "aws-cloudwatch" },
      { op: "replace", path: "/spec/triggers/0/metadata/targetMetricValue", value: "70" },
    ]);
    expect(() => jsonPatch.applyPatch(withTriggers([cpu, cloudwatch()]), patch as never, true)).toThrow();
  });
});
