import { existsSync, readdirSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { describe, expect, it } from "vitest";
import { readRepoFile, repoPath } from "../../support/paths.ts";
import { type SourceFile, sourceFiles } from "../../support/source-files.ts";

/**
 * Each package's faces, the files its package.json `exports` names, carry exactly what
 * product code in other parts imports; tests import everything else by its module's path
 * (docs/architecture.md, "Package faces"). Product code reaches another package only
 * through a face.
 */

/** A face's specifier (`@switchyard/core`, `@switchyard/core/ports`) → the names it exports. */
type Faces = ReadonlyMap<string, ReadonlySet<string>>;

/** A name in `{ a, type B, c as d }` as the other side sees it (`d`), or as imported (`c`). */
function braceNames(body: string, side: "exported" | "imported"): string[] {
  return body
    .split(",")
    .map((s) => s.trim().replace(/^type\s+/, ""))
    .filter((s) => s !== "")
    .map((s) => {
      const [name, alias] = s.split(/\s+as\s+/);
      return (side === "exported" ? (alias ?? name) : name) ?? s;
    });
}

/** The names a face file exports: its `export { … } from` lists and its own declarations. */
function faceNames(text: string): Set<string> {
  const listed = [...text.matchAll(/\bexport\s+(?:type\s+)?\{([^}]*)\}\s*from/g)].flatMap(([, body]) =>
    braceNames(body ?? "", "exported"),
  );
  const declared = [
    ...text.matchAll(
      /^export\s+(?:declare\s+)?(?:abstract\s+)?(?:async\s+)?(?:const|let|function|class|type|interface|enum)\s+([\w$]+)/gm,
    ),
  ].map(([, name]) => name ?? "");
  return new Set([...listed, ...declared]);
}

function packageFaces(): Faces {
  const faces = new Map<string, Set<string>>();
  for (const name of readdirSync(repoPath("packages"))) {
    const manifest = `packages/${name}/package.json`;
    if (!existsSync(repoPath(manifest))) {
      continue;
    }
    const exports = (JSON.parse(readRepoFile(manifest)) as { exports?: Record<string, string> }).exports;
    for (const [subpath, file] of Object.entries(exports ?? {})) {
      const specifier = `@switchyard/${name}${subpath === "." ? "" : subpath.slice(1)}`;
      faces.set(specifier, faceNames(readRepoFile(normalize(join("packages", name, file)))));
    }
  }
  return faces;
}

/** The package a path belongs to (`packages/core`), if any. */
function packageOf(path: string): string | undefined {
  return /^packages\/[^/]+/.exec(path)?.[0];
}

/** Each `@switchyard/…` import of a product file, by name: static, `await import`, namespace. */
function importsOf(file: SourceFile, faces: Faces): { specifier: string; name: string }[] {
  const named = [
    ...file.text.matchAll(
      /\b(?:import|export)\s+(?:type\s+)?\{([^}]*)\}\s*from\s*["'](@switchyard\/[^"']+)["']/g,
    ),
    ...file.text.matchAll(
      /\bconst\s*\{([^}]*)\}\s*=\s*await\s+import\(\s*["'](@switchyard\/[^"']+)["']\s*\)/g,
    ),
  ].flatMap(([, body, specifier]) =>
    braceNames((body ?? "").replace(/:\s*[\w$]+/g, ""), "imported").map((name) => ({
      specifier: specifier ?? "",
      name,
    })),
  );
  const whole = [
    ...file.text.matchAll(/\bimport\s+\*\s+as\s+\w+\s+from\s*["'](@switchyard\/[^"']+)["']/g),
  ].flatMap(([, specifier]) =>
    [...(faces.get(specifier ?? "") ?? [])].map((name) => ({ specifier: specifier ?? "", name })),
  );
  return [...named, ...whole];
}

/** Names on a face that no product file outside the face's package imports. */
function unusedFaceNames(faces: Faces, product: readonly SourceFile[]): string[] {
  const used = new Set(
    product.flatMap((file) =>
      importsOf(file, faces)
        .filter(({ specifier }) => `packages/${specifier.split("/")[1]}` !== packageOf(file.path))
        .map(({ specifier, name }) => `${specifier} ${name}`),
    ),
  );
  return [...faces].flatMap(([specifier, names]) =>
    [...names].filter((name) => !used.has(`${specifier} ${name}`)).map((name) => `${specifier} ${name}`),
  );
}

/** Product imports that pass a face by: a relative path into another package, or an unexported subpath. */
function backDoors(faces: Faces, product: readonly SourceFile[]): string[] {
  return product.flatMap((file) =>
    [...file.text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)["']([^"']+)["']/g)].flatMap(
      ([, specifier = ""]) => {
        if (specifier.startsWith("@switchyard/")) {
          return faces.has(specifier)
            ? []
            : [`${file.path} imports ${specifier}, which no package.json exports`];
        }
        const target = specifier.startsWith(".") ? normalize(join(dirname(file.path), specifier)) : "";
        const into = packageOf(target.split("\\").join("/"));
        return into === undefined || into === packageOf(file.path)
          ? []
          : [`${file.path} imports ${specifier}, inside ${into}; import its face`];
      },
    ),
  );
}

const PRODUCT = [
  ...["packages", "functions", "infra", "bench", "scripts"].flatMap(sourceFiles),
  { path: "sst.config.ts", text: readRepoFile("sst.config.ts") },
];

describe("Architecture: package faces", () => {
  const faces = packageFaces();

  it("exports from each face only names product code in another part imports", () => {
    expect(faces.size).toBeGreaterThan(4);
    expect(unusedFaceNames(faces, PRODUCT)).toEqual([]);
  });

  it("keeps core's root face at most 160 names; a new concern gets a subpath of its own", () => {
    expect(faces.get("@switchyard/core")?.size).toBeLessThanOrEqual(160);
  });

  it("reaches another package only through a face", () => {
    expect(backDoors(faces, PRODUCT)).toEqual([]);
  });

  it("reports a face name only a test or its own package imports, and an import past the face", () => {
    const fake: Faces = new Map([["@switchyard/core", new Set(["decide", "observe", "MINUTE"])]]);
    const files = [
      { path: "packages/controller/src/evaluate.ts", text: 'import { decide } from "@switchyard/core";' },
      { path: "packages/core/src/x.ts", text: 'import { observe } from "@switchyard/core";' },
      { path: "sst.config.ts", text: 'const { MINUTE: minute } = await import("@switchyard/core");' },
      {
        path: "infra/y.ts",
        text: 'import { z } from "../packages/core/src/z.ts";\nimport "@switchyard/core/z";',
      },
    ];
    expect(unusedFaceNames(fake, files)).toEqual(["@switchyard/core observe"]);
    expect(backDoors(fake, files)).toEqual([
      "infra/y.ts imports ../packages/core/src/z.ts, inside packages/core; import its face",
      "infra/y.ts imports @switchyard/core/z, which no package.json exports",
    ]);
  });
});
