import { readFileSync } from "node:fs";
import { KUBE_RESOURCES, type KubeTarget, type KubeVerb, rbacRule } from "@switchyard/adapters";
import {
  CONTROLLER_KUBERNETES_GROUP,
  controllerRbac,
  KARPENTER_EVENT_NAMESPACE,
  loadConfig,
  type PolicyRule,
  type RbacManifest,
  type RoleManifest,
  renderControllerRbac,
} from "@switchyard/core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { parseAllDocuments } from "yaml";
import { handler as evaluate } from "../../functions/evaluate.ts";
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
    expect(documents.map((d) => d.kind)).toEqual(["Role", "RoleBinding"]);
    for (const document of documents) {
      expect(() => validateUpstream(document)).not.toThrow();
    }
    expect(() => validateUpstream({ ...documents[0], rules: [{ apiGroups: [""], verbs: "get" }] })).toThrow();
  });

  it("binds the Role to the access entries' group in the same namespace", () => {
    const [role, binding] = manifests;
    expect(binding).toMatchObject({
      kind: "RoleBinding",
      metadata: { namespace: role?.metadata.namespace },
      subjects: [{ kind: "Group", apiGroup: "rbac.authorization.k8s.io", name: CONTROLLER_KUBERNETES_GROUP }],
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role?.metadata.name },
    });
  });

  it("adds a Role for Karpenter's events when no service lives in its namespace, and one per service namespace", () => {
    const yaml = readRepoFile(SOURCE).replace("    namespace: default\n", "    namespace: inference\n");
    const config = loadConfig(yaml, "inference.yaml");
    const rbac = controllerRbac(config);
    expect(rbac.map((m) => `${m.kind} ${m.metadata.namespace}`)).toEqual([
      "Role inference",
      "RoleBinding inference",
      `Role ${KARPENTER_EVENT_NAMESPACE}`,
      `RoleBinding ${KARPENTER_EVENT_NAMESPACE}`,
    ]);
    expect((rbac[2] as RoleManifest).rules).toEqual([
      { apiGroups: [""], resources: ["events"], verbs: ["list"] },
    ]);
    for (const manifest of rbac) {
      expect(() => validateUpstream(manifest)).not.toThrow();
    }
  });
});

describe("RBAC: docs/architecture.md", () => {
  it("lists exactly the rules of the generated Role", () => {
    const doc = readRepoFile("docs/architecture.md");
    const table = doc.slice(doc.indexOf("<!-- role-rules -->"));
    const rows = table
      .split("\n")
      .filter((line) => line.startsWith("| `"))
      .map((line) => {
        const [group, resources, names, verbs] = line
          .split("|")
          .slice(1)
          .map((cell) => cell.trim());
        const list = (cell: string | undefined) => [...(cell ?? "").matchAll(/`([^`]+)`/g)].map((c) => c[1]);
        const apiGroup = list(group)[0] === '""' ? "" : list(group)[0];
        return `${apiGroup} ${list(resources).join(",")} ${names === "" ? "any" : "named"} ${list(verbs).join(",")}`;
      });
    const role = controllerRbac(sd21Config())[0] as RoleManifest;
    expect(rows).toEqual(
      role.rules.map(
        (r) =>
          `${r.apiGroups.join(",")} ${r.resources.join(",")} ${r.resourceNames === undefined ? "any" : "named"} ${r.verbs.join(",")}`,
      ),
    );
  });
});

describe("RBAC: the Role grants what the functions do, and only that", () => {
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

  /** Every Kubernetes request of evaluations, a failover, a fallback and a rolled-back switch. */
  async function requestsOfEverything(): Promise<RecordedRequest[]> {
    const event = JSON.parse(readRepoFile("test/fixtures/events/create-fleet-one-error.json")) as {
      time: string;
    };
    vi.setSystemTime(Date.parse(event.time) + 40_000);
    world.double.put(
      karpenterEvent({
        nodeClaim: "inf2-x1",
        message: "insufficient capacity",
        at: new Date().toISOString(),
      }),
    );
    await evaluate(event);
    const first = world.started[0];
    world.lbc.lag = 1;
    const failover = await runModeSwitch(world, JSON.parse(first?.input ?? "null"), first?.name ?? "");
    world.executions = world.executions.map((e) => ({ ...e, status: "SUCCEEDED", stopDate: new Date() }));
    vi.setSystemTime(Date.now() + 30 * 60_000);
    await evaluate(JSON.parse(readRepoFile("test/fixtures/events/scheduled-event.json")));
    const second = world.started[1];
    world.lbc.lag = "never";
    const fallback = await runModeSwitch(world, JSON.parse(second?.input ?? "null"), second?.name ?? "");
    expect(failover.failure).toBeUndefined();
    expect(fallback.failure?.error).toBe("RoutingNotAppliedError");
    return [...world.double.requests];
  }

  it("grants every request the functions made, and every rule their 403 messages would print", async () => {
    const requests = await requestsOfEverything();
    expect(requests.every((r) => r.status !== 403)).toBe(true);
    const kinds = new Set(requests.map((r) => `${r.verb} ${r.resource} ${r.namespace}`));
    expect(kinds).toEqual(
      new Set([
        "get ingresses default",
        "patch ingresses default",
        "list scaledobjects default",
        "get scaledobjects default",
        "patch scaledobjects default",
        "list deployments default",
        "get horizontalpodautoscalers default",
        "list pods default",
        "list events default",
        "create events default",
      ]),
    );
    for (const request of requests) {
      const access = accessOf(request);
      expect(roleGrants(manifests, access), JSON.stringify(access)).toBe(true);
      const target: KubeTarget = {
        verb: request.verb as KubeVerb,
        resource: resourceOf(request),
        namespace: access.namespace,
        ...(access.name === undefined ? {} : { name: access.name }),
      };
      const printed = rbacRule(target);
      expect(covers(manifests, access.namespace, parseRbacRule(printed)), printed).toBe(true);
    }
  });

  it("grants no verb on a resource that no request used", async () => {
    const requests = (await requestsOfEverything()).map(accessOf);
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
      { group: "", resource: "pods", verb: "delete", namespace: "default", name: "x" },
      { group: "", resource: "secrets", verb: "list", namespace: "default" },
      { group: "", resource: "events", verb: "list", namespace: "kube-system" },
    ];
    for (const access of deny) {
      expect(roleGrants(manifests, access), JSON.stringify(access)).toBe(false);
    }
  });
});
