import { parseAllDocuments } from "yaml";
import { readRepoFile } from "./paths.ts";

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  spec?: Record<string, unknown>;
  [key: string]: unknown;
}

/** The objects of one manifest in test/fixtures/seed-manifests, in file order. */
export function seedObjects(file: string): KubeObject[] {
  return parseAllDocuments(readRepoFile(`test/fixtures/seed-manifests/${file}`))
    .map((doc) => doc.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null);
}

export function seedObject(file: string, kind: string, name: string): KubeObject {
  const found = seedObjects(file).find((o) => o.kind === kind && o.metadata.name === name);
  if (found === undefined) {
    throw new Error(`${file} has no ${kind} ${name}`);
  }
  return structuredClone(found);
}
