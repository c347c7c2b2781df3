import { kubernetesGroupsOf } from "@switchyard/core/manifests";
import { describe, expect, it } from "vitest";
import {
  type CLUSTER_ACCESS,
  controllerRbac,
  KUBERNETES_GROUPS,
  type RoleManifest,
} from "../../../packages/core/src/manifests/controller-rbac.ts";
import { HANDLERS } from "../../../scripts/handlers.ts";
import { useLambdaEnvironment } from "../../support/lambda-env.ts";
import { readRepoFile } from "../../support/paths.ts";
import { sd21Config } from "../../support/sd21.ts";

/** The rows of the table that follows `<!-- security: <name> -->` in docs/architecture.md, cells unquoted. */
function table(name: string): string[][] {
  const doc = readRepoFile("docs/architecture.md");
  const start = doc.indexOf(`<!-- security: ${name} -->`);
  expect(start, `docs/architecture.md has a "${name}" security table`).toBeGreaterThan(-1);
  const lines = doc.slice(start).split("\n").slice(1);
  const rows = lines.slice(
    2,
    lines.findIndex((line, i) => i > 0 && !line.startsWith("|")),
  );
  return rows.map((row) =>
    row
      .split("|")
      .slice(1, -1)
      .map((cell) => cell.trim()),
  );
}

const names = (cell: string): string[] => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1] as string);

describe("Docs: docs/architecture.md's security notes", () => {
  it("list each function's AWS actions and Kubernetes groups as the deploy grants them", async () => {
    useLambdaEnvironment();
    const rows = table("functions");
    expect(new Set(rows.map((row) => names(row[0] ?? "")[0]))).toEqual(new Set(HANDLERS));
    for (const row of rows) {
      const fn = names(row[0] ?? "")[0] as keyof typeof CLUSTER_ACCESS;
      const { awsActions } = (await import(`../../../functions/${fn}.ts`)) as {
        awsActions: readonly string[];
      };
      expect(names(row[1] ?? ""), fn).toEqual([...awsActions]);
      expect(names(row[2] ?? ""), fn).toEqual(kubernetesGroupsOf(fn));
    }
  });

  it("describe each Role's verbs as controllerRbac generates them", () => {
    const rows = new Map(table("rbac").map((row) => [names(row[0] ?? "")[0], row[1] ?? ""]));
    const roles = controllerRbac(sd21Config()).filter((m): m is RoleManifest => m.kind === "Role");
    expect([...rows.keys()].sort()).toEqual(Object.values(KUBERNETES_GROUPS).sort());
    for (const role of roles) {
      const text = rows.get(role.metadata.name) ?? "";
      for (const rule of role.rules) {
        for (const verb of rule.verbs) {
          for (const resource of rule.resources) {
            // e.g. "`get` the named Deployments", "`list` Pods and Events"
            const kind = {
              ingresses: "Ingress",
              scaledobjects: "ScaledObject",
              deployments: "Deployment",
              horizontalpodautoscalers: "HorizontalPodAutoscaler",
              pods: "Pods",
              events: "Events",
            }[resource];
            const named = rule.resourceNames === undefined ? "" : "the named ";
            expect(text, `${role.metadata.name}: ${verb} ${resource}`).toMatch(
              new RegExp(`\`${verb}\` ${named}[^;]*${kind}`),
            );
          }
        }
      }
      // No verb the Role does not grant.
      const granted = new Set(role.rules.flatMap((r) => r.verbs));
      expect(
        names(text).filter((verb) => !granted.has(verb)),
        role.metadata.name,
      ).toEqual([]);
    }
  });
});
