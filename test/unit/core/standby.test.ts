import type { IngressState } from "@switchyard/core";
import {
  actionAnnotationKey,
  ingressJsonPatch,
  parseForwardAction,
  portsNamedByIngress,
  renderForwardAction,
  STANDBY_SOURCE_IP,
  standbyActionNames,
  standbyChanges,
} from "@switchyard/core/manifests";
import { describe, expect, it } from "vitest";
import { normalizedPort, portToWrite } from "../../../packages/core/src/manifests/port-form.ts";
import { conditionsAnnotationKey, standbyActionName } from "../../../packages/core/src/manifests/standby.ts";
import { sd21Service } from "../../support/sd21.ts";

const SEED_ACTION =
  '{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"sd21-a10g-cuda","servicePort":80,"weight":15},{"serviceName":"sd21-a10g-triton","servicePort":80,"weight":15},{"serviceName":"sd21-l4-triton","servicePort":80,"weight":10},{"serviceName":"sd21-inf2","servicePort":80,"weight":40},{"serviceName":"sd21-trn1","servicePort":80,"weight":20}]}}';

/** The seed's Ingress as the gateway reads it: its action and the one rule that points at it. */
function seedIngress(annotations: Record<string, string> = {}): IngressState {
  return {
    namespace: "default",
    name: "sd21",
    resourceVersion: "7",
    annotations: {
      "alb.ingress.kubernetes.io/scheme": "internet-facing",
      [actionAnnotationKey("weighted-routing")]: SEED_ACTION,
      ...annotations,
    },
    backends: [{ service: "weighted-routing", port: "use-annotation" }],
  };
}

describe("Function: standbyChanges", () => {
  const service = sd21Service();

  it("names every unit's Service and the consolidated one, 5 to an action, behind a source-ip no client has", () => {
    // Act
    const changes = standbyChanges(seedIngress(), service);

    // Assess
    expect(changes.problem).toBeNull();
    const first = parseForwardAction(
      changes.annotations[actionAnnotationKey("weighted-routing-standby-1")] ?? "",
      "standby-1",
    );
    const second = parseForwardAction(
      changes.annotations[actionAnnotationKey("weighted-routing-standby-2")] ?? "",
      "standby-2",
    );
    expect(first.forwardConfig.targetGroups.map((g) => g.serviceName)).toEqual(
      service.units.map((u) => u.service.name),
    );
    expect(second.forwardConfig.targetGroups).toEqual([{ serviceName: "sd21", servicePort: 80, weight: 1 }]);
    for (const n of [1, 2]) {
      expect(
        JSON.parse(changes.annotations[conditionsAnnotationKey(`weighted-routing-standby-${n}`)] ?? ""),
      ).toEqual([{ field: "source-ip", sourceIpConfig: { values: [STANDBY_SOURCE_IP] } }]);
    }
    expect(STANDBY_SOURCE_IP).toBe("192.0.2.1/32");
    expect(changes.rules).toEqual(
      [1, 2].map((n) => ({
        http: {
          paths: [
            {
              path: "/",
              pathType: "Prefix",
              backend: {
                service: { name: `weighted-routing-standby-${n}`, port: { name: "use-annotation" } },
              },
            },
          ],
        },
      })),
    );
  });

  it("changes nothing when the standby is in place, and only what is missing otherwise", () => {
    // Prepare
    const first = standbyChanges(seedIngress(), service);
    const installed: IngressState = {
      ...seedIngress(first.annotations),
      backends: [
        { service: "weighted-routing", port: "use-annotation" },
        { service: "weighted-routing-standby-1", port: "use-annotation" },
        { service: "weighted-routing-standby-2", port: "use-annotation" },
      ],
    };
    const conditionsLost = {
      ...installed,
      annotations: Object.fromEntries(
        Object.entries(installed.annotations).filter(
          ([k]) => k !== conditionsAnnotationKey("weighted-routing-standby-2"),
        ),
      ),
    };

    // Act / Assess
    expect(standbyChanges(installed, service)).toEqual({ annotations: {}, rules: [], problem: null });
    expect(standbyChanges(conditionsLost, service)).toEqual({
      annotations: {
        [conditionsAnnotationKey("weighted-routing-standby-2")]:
          first.annotations[conditionsAnnotationKey("weighted-routing-standby-2")],
      },
      rules: [],
      problem: null,
    });
  });

  it("needs no standby for a service without a consolidated Service: both modes route to the units' Services", () => {
    const { consolidatedService: _none, ...service } = sd21Service();
    expect(standbyActionNames(service)).toEqual([]);
    expect(standbyChanges(seedIngress(), service)).toEqual({ annotations: {}, rules: [], problem: null });
  });

  it("leaves an action of a standby's name that Switchyard did not write, and says so", () => {
    // Prepare: another team's action happens to have the name.
    const theirs = '{"type":"fixed-response","fixedResponseConfig":{"statusCode":"503"}}';
    const ingress = seedIngress({ [actionAnnotationKey("weighted-routing-standby-1")]: theirs });

    // Act
    const changes = standbyChanges(ingress, service);

    // Assess
    expect(changes.annotations).toEqual({});
    expect(changes.rules).toEqual([]);
    expect(changes.problem).toBe(
      "Ingress default/sd21 annotation alb.ingress.kubernetes.io/actions.weighted-routing-standby-1 holds an action Switchyard did not write, so the standby rule that keeps the target groups of both modes registered is not installed; rename that action",
    );
  });

  it("writes each Service's port in the form the Ingress already names it by", () => {
    // Prepare: the live action names inf2's port by its name.
    const ingress = seedIngress({
      [actionAnnotationKey("weighted-routing")]: SEED_ACTION.replace(
        '"serviceName":"sd21-inf2","servicePort":80',
        '"serviceName":"sd21-inf2","servicePort":"http"',
      ),
    });

    // Act
    const changes = standbyChanges(ingress, service);

    // Assess
    const first = parseForwardAction(
      changes.annotations[actionAnnotationKey("weighted-routing-standby-1")] ?? "",
      "standby-1",
    );
    expect(first.forwardConfig.targetGroups.find((g) => g.serviceName === "sd21-inf2")?.servicePort).toBe(
      "http",
    );
  });
});

describe("Function: standbyActionName", () => {
  it("appends -standby-<n>, and cuts a name too long for a DNS label, tagged so two long names differ", () => {
    expect(standbyActionName("weighted-routing", 2)).toBe("weighted-routing-standby-2");
    const long = `a${"b".repeat(60)}`;
    const other = `a${"b".repeat(59)}c`;
    for (const name of [standbyActionName(long, 1), standbyActionName(other, 1)]) {
      expect(name.length).toBeLessThanOrEqual(63);
      expect(name).toMatch(/^[a-z]([-a-z0-9]*[a-z0-9])?$/);
      expect(name.endsWith("-standby-1")).toBe(true);
    }
    expect(standbyActionName(long, 1)).not.toBe(standbyActionName(other, 1));
  });
});

describe("Function: portToWrite", () => {
  const named = (ports: Record<string, (number | string)[]>) => new Map(Object.entries(ports));

  it.each([
    ["the Ingress names the Service by the config's port", 80, { svc: [80] }, 80],
    ["the Ingress does not name the Service: the config's port", 80, {}, 80],
    ["a name in the Ingress, a number in the config: the Ingress's name", 80, { svc: ["http"] }, "http"],
    ["a number in the Ingress, a name in the config: the Ingress's number", "http", { svc: [8080] }, 8080],
    ["another number in the Ingress is another port: the config's", 80, { svc: [8080] }, 80],
    [
      "two other-form ports in the Ingress cannot be told apart: the config's",
      80,
      { svc: ["http", "web"] },
      80,
    ],
    ['a string of digits is a number, as the controller reads it: "80" is 80', "80", { svc: [80] }, 80],
  ] as const)("%s", (_what, config, ports, expected) => {
    expect(portToWrite("svc", config, named(ports as Record<string, (number | string)[]>))).toBe(expected);
  });

  it('reads "80" as 80 and "http" as a name (intstr.Parse)', () => {
    expect(normalizedPort("80")).toBe(80);
    expect(normalizedPort("http")).toBe("http");
  });
});

describe("Function: renderForwardAction with the Ingress's ports", () => {
  it("keeps the port form the Ingress uses, so the controller keeps the target group", () => {
    // Prepare
    const ingress = seedIngress({
      [actionAnnotationKey("weighted-routing")]:
        '{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"sd21-inf2","servicePort":"http","weight":1}]}}',
    });
    const routing = {
      targetGroups: [
        { serviceName: "sd21-inf2", servicePort: 80, weight: 40 },
        { serviceName: "sd21-trn1", servicePort: 80, weight: 60 },
      ],
    };

    // Act
    const value = renderForwardAction(routing, { ingressPorts: portsNamedByIngress(ingress) });

    // Assess
    expect(JSON.parse(value).forwardConfig.targetGroups).toEqual([
      { serviceName: "sd21-inf2", servicePort: "http", weight: 40 },
      { serviceName: "sd21-trn1", servicePort: 80, weight: 60 },
    ]);
  });

  it("reads the ports of the rules' own backends too", () => {
    const ingress: IngressState = {
      ...seedIngress(),
      backends: [
        { service: "weighted-routing", port: "use-annotation" },
        { service: "sd21", port: "http" },
      ],
    };
    expect(portsNamedByIngress(ingress).get("sd21")).toEqual(["http"]);
    expect(portsNamedByIngress(ingress).get("weighted-routing")).toBeUndefined();
  });
});

describe("Function: ingressJsonPatch", () => {
  it("tests the resourceVersion read, sets and removes annotations, and appends rules after the Ingress's own", () => {
    // Prepare
    const rule = {
      http: {
        paths: [
          {
            path: "/",
            pathType: "Prefix" as const,
            backend: { service: { name: "weighted-routing-standby-1", port: { name: "use-annotation" } } },
          },
        ],
      },
    };

    // Act
    const ops = ingressJsonPatch(
      { metadata: { annotations: { "a/b": "1", gone: null, absent: null } }, addRules: [rule] },
      { resourceVersion: "7", annotations: { gone: "x" }, hasAnnotations: true, hasRules: true },
    );

    // Assess
    expect(ops).toEqual([
      { op: "test", path: "/metadata/resourceVersion", value: "7" },
      { op: "add", path: "/metadata/annotations/a~1b", value: "1" },
      { op: "remove", path: "/metadata/annotations/gone" },
      { op: "add", path: "/spec/rules/-", value: rule },
    ]);
    expect(
      ingressJsonPatch(
        { metadata: { annotations: { k: "v" } }, addRules: [rule] },
        { resourceVersion: "7", annotations: {}, hasAnnotations: false, hasRules: false },
      ).slice(1),
    ).toEqual([
      { op: "add", path: "/metadata/annotations", value: {} },
      { op: "add", path: "/metadata/annotations/k", value: "v" },
      { op: "add", path: "/spec/rules", value: [rule] },
    ]);
  });
});
