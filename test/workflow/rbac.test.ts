import { readFileSync } from "node:fs";
import { loadConfig } from "@switchyard/core";
import { kubernetesGroupsOf, renderControllerRbac } from "@switchyard/core/manifests";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { parseAllDocuments } from "yaml";
import { handler as evaluate } from "../../functions/evaluate.ts";
import {
  KUBE_RESOURCES,
  type KubeTarget,
  type KubeVerb,
  rbacRule,
} from "../../packages/adapters/src/kube/kube-target.ts";
import {
  CLUSTER_ACCESS,
  controllerRbac,
  KARPENTER_EVENT_NAMESPACE,
  KUBERNETES_GROUPS,
  type PolicyRule,
  type RbacManifest,
  RECORDS_EVENTS,
  type RoleManifest,
} from "../../packages/core/src/manifests/controller-rbac.ts";
import { HandlerWorld } from "../support/handler-world.ts";
import type { RecordedRequest } from "../support/kube-api-double.ts";
import { karpenterEvent } from "../support/kube-objects.ts";
import { runModeSwitch } from "../support/local-workflow.ts";
import { readRepoFile, repoPath } from "../support/paths.ts";
import { sd21Config, sd21FailoverConfig } from "../support/sd21.ts";
import { validateUpstream } from "../support/upstream-schemas.ts";

const SOURCE = "examples/sd21/switchyard.yaml";

interface Access {
  readonly group: string;
  readonly resource: string;
  readonly verb: string;
  readonly namespace: string;
  readonly name?: string;
}

/** Kubernetes RBAC: a rule grants a request when group, resource and verb are listed and resourceNames (if any) names it. */
function grants(rule: PolicyRule, access: Access): boolean {
  const has = (list: readonly string[], value: string) => list.includes(value) || list.includes("*");
  return (
    has(rule.apiGroups, access.group) &&
    has(rule.resources, access.resource) &&
    has(rule.verbs, access.verb) &&
    (rule.resourceNames === undefined ||
      rule.resourceNames.length === 0 ||
      (access.name !== undefined && rule.resourceNames.includes(access.name)))
  );
}

/**
 * The manifests an identity in `groups` gets: the Roles that RoleBindings in the same
 * namespace bind to one of the groups (Kubernetes RBAC: a RoleBinding grants its Role's
 * rules to its subjects), and those bindings.
 */
function boundTo(manifests: readonly RbacManifest[], groups: readonly string[]): RbacManifest[] {
  const bindings = manifests.filter(
    (m) => m.kind === "RoleBinding" && m.subjects.some((s) => s.kind === "Group" && groups.includes(s.name)),
  );
  return manifests.filter(
    (m) =>
      m.kind === "Role" &&
      bindings.some(
        (b) =>
          b.kind === "RoleBinding" &&
          b.metadata.namespace === m.metadata.namespace &&
          b.roleRef.name === m.metadata.name,
      ),
  );
}

function roleGrants(manifests: readonly RbacManifest[], access: Access): boolean {
  return manifests.some(
    (m): boolean =>
      m.kind === "Role" &&
      m.metadata.namespace === access.namespace &&
      m.rules.some((rule) => grants(rule, access)),
  );
}

function resourceOf(request: RecordedRequest) {
  const resource = Object.values(KUBE_RESOURCES).find(
    (r) => r.plural === request.resource && r.group === request.group,
  );
  if (resource === undefined) {
    throw new Error(`the functions do not use ${request.resource} of group "${request.group}"`);
  }
  return resource;
}

function accessOf(request: RecordedRequest): Access {
  return {
    group: resourceOf(request).group,
    resource: request.resource ?? "",
    verb: request.verb ?? "",
    namespace: request.namespace ?? "",
    ...(request.verb === "list" || request.name === undefined ? {} : { name: request.name }),
  };
}

/** The rule a 403 message prints (adapters' rbacRule), read back into a PolicyRule. */
function parseRbacRule(text: string): PolicyRule {
  const list = (field: string): string[] | undefined => {
    const match = new RegExp(`${field} \\[([^\\]]*)\\]`).exec(text);
    return match === null ? undefined : (JSON.parse(`[${match[1]}]`) as string[]);
  };
  const names = list("resourceNames");
  return {
    apiGroups: list("apiGroups") ?? [],
    resources: list("resources") ?? [],
    verbs: list("verbs") ?? [],
    ...(names === undefined ? {} : { resourceNames: names }),
  };
}

/** Whether the file's Role contains every permission of `rule` (a rule is a product of its lists). */
function covers(manifests: readonly RbacManifest[], namespace: string, rule: PolicyRule): boolean {
  return rule.apiGroups.every((group) =>
    rule.resources.every((resource) =>
      rule.verbs.every((verb) =>
        (rule.resourceNames ?? [undefined]).every((name) =>
          roleGrants(manifests, {
            group,
            resource,
            verb,
            namespace,
            ...(name === undefined ? {} : { name }),
          }),
        ),
      ),
    ),
  );
}

describe("RBAC: deploy/rbac.yaml", () => {
  const committed = readFileSync(repoPath("deploy/rbac.yaml"), "utf8");
  const manifests = controllerRbac(sd21Config());

  it("is what `switchyard rbac` generates for examples/sd21", () => {
    expect(committed).toBe(renderControllerRbac(sd21Config(), SOURCE));
    expect(parseAllDocuments(committed).map((d) => d.toJS())).toEqual(manifests);
  });

  it("validates against the upstream RBAC schema, document by document", () => {
    const documents = parseAllDocuments(committed).map((d) => d.toJS());
    // Reader, writer, recorder and (the example's forecast floor acts) floor.
    expect(documents.map((d) => d.kind)).toEqual([
      "Role",
      "RoleBinding",
      "Role",
      "RoleBinding",
      "Role",
      "RoleBinding",
      "Role",
      "RoleBinding",
    ]);
    for (const document of documents) {
      expect(() => validateUpstream(document)).not.toThrow();
    }
    expect(() => validateUpstream({ ...documents[0], rules: [{ apiGroups: [""], verbs: "get" }] })).toThrow();
  });

  it("binds the readers' Role to the readers' group and the writers' Role to the writers', in the same namespace", () => {
    const [reader, readerBinding, writer, writerBinding] = manifests;
    for (const [role, binding, group] of [
      [reader, readerBinding, KUBERNETES_GROUPS.reader],
      [writer, writerBinding, KUBERNETES_GROUPS.writer],
    ] as const) {
      expect(binding).toMatchObject({
        kind: "RoleBinding",
        metadata: { namespace: role?.metadata.namespace },
        subjects: [{ kind: "Group", apiGroup: "rbac.authorization.k8s.io", name: group }],
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role?.metadata.name },
      });
    }
  });

  it("puts evaluate, Plan, CheckReceivers and VerifyAlb in the readers' group (evaluate in the floor group too, in every forecast mode: it ends the floors ReleaseReceivers leaves)", () => {
    const config = sd21Config();
    expect(
      Object.entries(CLUSTER_ACCESS)
        .filter(([, access]) => access === "read")
        .map(([fn]) => fn)
        .sort(),
    ).toEqual(["check-receivers", "evaluate", "plan-switch", "verify-routing"]);
    expect(kubernetesGroupsOf("evaluate")).toEqual([KUBERNETES_GROUPS.reader, KUBERNETES_GROUPS.floor]);
    const forecastOnly = {
      ...config,
      services: config.services.map((s) => ({
        ...s,
        forecast: { ...s.forecast, mode: "forecast-only" as const },
      })),
    };
    // Forecast-only writes no forecast floor, but a lifted hold's release floor still ends
    // at evaluate: the floor Role names the service's ScaledObjects in every mode.
    const floorRole = (c: typeof config) =>
      controllerRbac(c).find((m) => m.kind === "Role" && m.metadata.name === KUBERNETES_GROUPS.floor) as
        | RoleManifest
        | undefined;
    expect(floorRole(forecastOnly)?.rules).toEqual(floorRole(config)?.rules);
    expect(floorRole(forecastOnly)?.rules[0]?.resourceNames).toEqual(
      config.services[0]?.units.map((u) => u.scaledObject.name).sort(),
    );
    expect(kubernetesGroupsOf("apply-routing")).toEqual([
      KUBERNETES_GROUPS.reader,
      KUBERNETES_GROUPS.writer,
      KUBERNETES_GROUPS.recorder,
    ]);
    expect(kubernetesGroupsOf("release-holds")).toEqual([KUBERNETES_GROUPS.reader, KUBERNETES_GROUPS.writer]);
    expect(kubernetesGroupsOf("verify-routing")).toEqual([
      KUBERNETES_GROUPS.reader,
      KUBERNETES_GROUPS.recorder,
    ]);
    const readers = boundTo(manifests, [KUBERNETES_GROUPS.reader]);
    const writes = (readers as RoleManifest[]).flatMap((role) =>
      role.rules.flatMap((rule) => rule.verbs.filter((verb) => !["get", "list", "watch"].includes(verb))),
    );
    expect(writes).toEqual([]);
  });

  it("adds a Role for Karpenter's events when no service lives in its namespace, and one per service namespace", () => {
    const yaml = readRepoFile(SOURCE).replace("    namespace: default\n", "    namespace: inference\n");
    const config = loadConfig(yaml, "inference.yaml");
    const rbac = controllerRbac(config);
    expect(rbac.map((m) => `${m.kind} ${m.metadata.name} ${m.metadata.namespace}`)).toEqual([
      "Role switchyard-reader inference",
      "RoleBinding switchyard-reader inference",
      "Role switchyard-writer inference",
      "RoleBinding switchyard-writer inference",
      "Role switchyard-recorder inference",
      "RoleBinding switchyard-recorder inference",
      "Role switchyard-floor inference",
      "RoleBinding switchyard-floor inference",
      `Role switchyard-reader ${KARPENTER_EVENT_NAMESPACE}`,
      `RoleBinding switchyard-reader ${KARPENTER_EVENT_NAMESPACE}`,
    ]);
    expect((rbac[4] as RoleManifest).rules).toEqual([
      { apiGroups: ["events.k8s.io"], resources: ["events"], verbs: ["create"] },
    ]);
    // The forecast floor: patch of the service's named ScaledObjects, nothing else.
    expect((rbac[6] as RoleManifest).rules).toEqual([
      {
        apiGroups: ["keda.sh"],
        resources: ["scaledobjects"],
        resourceNames: ["sd21-a10g-cuda", "sd21-a10g-triton", "sd21-inf2", "sd21-l4-triton", "sd21-trn1"],
        verbs: ["patch"],
      },
    ]);
    expect((rbac[8] as RoleManifest).rules).toEqual([
      { apiGroups: [""], resources: ["events"], verbs: ["list"] },
    ]);
    for (const manifest of rbac) {
      expect(() => validateUpstream(manifest)).not.toThrow();
    }
  });
});

describe("RBAC: the Roles grant what each function does, and only that", () => {
  const world = new HandlerWorld(sd21FailoverConfig());
  const manifests = controllerRbac(sd21Config());
  beforeAll(() => world.start());
  afterAll(() => world.stop());
  beforeEach(() => {
    world.reset();
    vi.useFakeTimers({ toFake: ["Date"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  type Fn = keyof typeof CLUSTER_ACCESS;

  /** Every Kubernetes request of evaluations, a failover, a fallback and a rolled-back switch, with the function that made it. */
  async function requestsOfEverything(): Promise<{ fn: Fn; request: RecordedRequest }[]> {
    const event = JSON.parse(readRepoFile("test/fixtures/events/create-fleet-one-error.json")) as {
      time: string;
    };
    const made: { fn: Fn; request: RecordedRequest }[] = [];
    const evaluated = async (input: unknown) => {
      const before = world.double.requests.length;
      await evaluate(input);
      made.push(
        ...world.double.requests.slice(before).map((request) => ({ fn: "evaluate" as const, request })),
      );
    };
    const stepsOf = (run: Awaited<ReturnType<typeof runModeSwitch>>) =>
      made.push(...run.invocations.flatMap((i) => i.kubernetes.map((request) => ({ fn: i.step, request }))));
    vi.setSystemTime(Date.parse(event.time) + 40_000);
    world.double.put(
      karpenterEvent({
        nodeClaim: "inf2-x1",
        message: "insufficient capacity",
        at: new Date().toISOString(),
      }),
    );
    await evaluated(event);
    const first = world.started[0];
    world.lbc.lag = 1;
    const failover = await runModeSwitch(world, JSON.parse(first?.input ?? "null"), first?.name ?? "");
    stepsOf(failover);
    world.executions = world.executions.map((e) => ({ ...e, status: "SUCCEEDED", stopDate: new Date() }));
    vi.setSystemTime(Date.now() + 30 * 60_000);
    await evaluated(JSON.parse(readRepoFile("test/fixtures/events/scheduled-event.json")));
    const second = world.started[1];
    world.lbc.lag = "never";
    const fallback = await runModeSwitch(world, JSON.parse(second?.input ?? "null"), second?.name ?? "");
    stepsOf(fallback);
    expect(failover.failure).toBeUndefined();
    expect(fallback.failure?.error).toBe("RoutingNotAppliedError");
    expect(made.length).toBe(world.double.requests.length);
    return made;
  }

  it("grants every request each function made through its own groups' Roles, and every rule its 403 messages would print", async () => {
    const made = await requestsOfEverything();
    expect(made.every(({ request }) => request.status !== 403)).toBe(true);
    const kinds = new Set(made.map(({ request: r }) => `${r.verb} ${r.resource} ${r.namespace}`));
    expect(kinds).toEqual(
      new Set([
        "get ingresses default",
        "patch ingresses default",
        "list scaledobjects default",
        "get scaledobjects default",
        "patch scaledobjects default",
        "get deployments default",
        "get horizontalpodautoscalers default",
        "list pods default",
        "list events default",
        "create events default",
      ]),
    );
    for (const { fn, request } of made) {
      const own = boundTo(manifests, kubernetesGroupsOf(fn));
      const access = accessOf(request);
      expect(roleGrants(own, access), `${fn}: ${JSON.stringify(access)}`).toBe(true);
      const target: KubeTarget = {
        verb: request.verb as KubeVerb,
        resource: resourceOf(request),
        namespace: access.namespace,
        ...(access.name === undefined ? {} : { name: access.name }),
      };
      const printed = rbacRule(target);
      expect(covers(own, access.namespace, parseRbacRule(printed)), `${fn}: ${printed}`).toBe(true);
    }
    // The readers made reads only, but for the Events the recorders among them create.
    const readerWrites = made.filter(
      ({ fn, request }) => CLUSTER_ACCESS[fn] === "read" && !["get", "list"].includes(request.verb ?? ""),
    );
    expect(readerWrites.map(({ fn, request }) => `${fn} ${request.verb} ${request.resource}`)).toEqual(
      readerWrites.map(({ fn }) => `${fn} create events`),
    );
    expect(readerWrites.every(({ fn }) => RECORDS_EVENTS.has(fn))).toBe(true);
  });

  it("grants no verb on a resource that no request used", async () => {
    const requests = (await requestsOfEverything()).map(({ request }) => accessOf(request));
    for (const manifest of manifests) {
      if (manifest.kind !== "Role") continue;
      for (const rule of manifest.rules) {
        for (const resource of rule.resources) {
          for (const verb of rule.verbs) {
            expect(
              requests.some(
                (r) => r.resource === resource && r.verb === verb && rule.apiGroups.includes(r.group),
              ),
              `${verb} ${resource}`,
            ).toBe(true);
          }
        }
      }
    }
  });

  it("does not grant other Ingresses, other ScaledObjects, writes it does not make, or other namespaces", () => {
    const deny: Access[] = [
      {
        group: "networking.k8s.io",
        resource: "ingresses",
        verb: "patch",
        namespace: "default",
        name: "other",
      },
      { group: "networking.k8s.io", resource: "ingresses", verb: "list", namespace: "default" },
      { group: "keda.sh", resource: "scaledobjects", verb: "patch", namespace: "default", name: "other" },
      {
        group: "keda.sh",
        resource: "scaledobjects",
        verb: "delete",
        namespace: "default",
        name: "sd21-inf2",
      },
      { group: "apps", resource: "deployments", verb: "patch", namespace: "default", name: "sd21-inf2" },
      // Deployments by name only: no LIST of every workload's pod template and environment.
      { group: "apps", resource: "deployments", verb: "list", namespace: "default" },
      { group: "apps", resource: "deployments", verb: "get", namespace: "default", name: "web-frontend" },
      { group: "", resource: "pods", verb: "delete", namespace: "default", name: "x" },
      { group: "", resource: "secrets", verb: "list", namespace: "default" },
      { group: "", resource: "events", verb: "list", namespace: "kube-system" },
    ];
    for (const access of deny) {
      expect(roleGrants(manifests, access), JSON.stringify(access)).toBe(false);
    }
    // A reader cannot write what the writers may; evaluate's floor group patches the
    // named ScaledObjects (their minReplicaCount) and nothing else.
    const readers = boundTo(manifests, [KUBERNETES_GROUPS.reader]);
    const evaluateRoles = boundTo(manifests, kubernetesGroupsOf("evaluate"));
    const ingressPatch = {
      group: "networking.k8s.io",
      resource: "ingresses",
      verb: "patch",
      namespace: "default",
      name: "sd21",
    };
    const scaledObjectPatch = {
      group: "keda.sh",
      resource: "scaledobjects",
      verb: "patch",
      namespace: "default",
      name: "sd21-inf2",
    };
    for (const access of [ingressPatch, scaledObjectPatch]) {
      expect(roleGrants(readers, access), JSON.stringify(access)).toBe(false);
      expect(roleGrants(boundTo(manifests, kubernetesGroupsOf("apply-routing")), access)).toBe(true);
    }
    expect(roleGrants(evaluateRoles, ingressPatch)).toBe(false);
    expect(roleGrants(evaluateRoles, scaledObjectPatch)).toBe(true);
    expect(roleGrants(evaluateRoles, { ...scaledObjectPatch, name: "someone-elses" })).toBe(false);
  });
});
