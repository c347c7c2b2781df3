import { dirname, join, normalize } from "node:path";
import { describe, expect, it } from "vitest";
import { type SourceFile, sourceFiles } from "../../support/source-files.ts";

/**
 * Which part of the repository may import which (docs/architecture.md, "Who may import
 * whom"). Only imports of our own code count; npm packages are each part's own business.
 */
const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  "packages/core": [],
  "packages/adapters": ["packages/core"],
  "packages/controller": ["packages/core"],
  "packages/sim": ["packages/core", "packages/controller"],
  "packages/cli": ["packages/core", "packages/sim", "packages/adapters", "packages/controller"],
  functions: ["packages/core", "packages/adapters", "packages/controller"],
  infra: ["packages/core", "functions"],
};

const PARTS = Object.keys(MAY_IMPORT);

/** `from "x"`, `import "x"`, `import("x")`, `export … from "x"`. */
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*)["']([^"']+)["']/g;

function partOf(path: string): string | undefined {
  return PARTS.find((part) => path === part || path.startsWith(`${part}/`));
}

/** The part an import lands in: `@switchyard/<name>` is packages/<name>; a relative path is resolved. */
function importedPart(file: SourceFile, specifier: string): string | undefined {
  const scoped = /^@switchyard\/([a-z-]+)/.exec(specifier);
  if (scoped !== null) {
    return `packages/${scoped[1]}`;
  }
  if (!specifier.startsWith(".")) {
    return undefined;
  }
  return partOf(
    normalize(join(dirname(file.path), specifier))
      .split("\\")
      .join("/"),
  );
}

/** Each import of ours that crosses from `part` into a part it may not import. */
function forbiddenImports(part: string, files: readonly SourceFile[]): string[] {
  const allowed = new Set([part, ...(MAY_IMPORT[part] ?? [])]);
  return files.flatMap((file) =>
    file.text.split("\n").flatMap((line, index) =>
      [...line.matchAll(SPECIFIER)].flatMap(([, specifier]) => {
        const target = specifier === undefined ? undefined : importedPart(file, specifier);
        return target === undefined || allowed.has(target)
          ? []
          : [
              `${file.path}:${index + 1} imports "${specifier}" (${target}); ${part} may import ${[...allowed].filter((p) => p !== part).join(", ") || "nothing of ours"}`,
            ];
      }),
    ),
  );
}

describe("Architecture: who may import whom", () => {
  it.each(PARTS)("%s imports only the parts it may", (part) => {
    const files = sourceFiles(part);
    expect(files.length).toBeGreaterThan(0);
    expect(forbiddenImports(part, files)).toEqual([]);
  });

  it("reports a core file that imports an adapter, and a relative import into the controller", () => {
    const core = {
      path: "packages/core/src/planning/x.ts",
      text: 'import { X } from "@switchyard/adapters";',
    };
    const adapter = {
      path: "packages/adapters/src/aws/y.ts",
      text: 'export { e } from "../../../controller/src/e.ts";',
    };
    expect(forbiddenImports("packages/core", [core])).toEqual([
      'packages/core/src/planning/x.ts:1 imports "@switchyard/adapters" (packages/adapters); packages/core may import nothing of ours',
    ]);
    expect(forbiddenImports("packages/adapters", [adapter])).toEqual([
      'packages/adapters/src/aws/y.ts:1 imports "../../../controller/src/e.ts" (packages/controller); packages/adapters may import packages/core',
    ]);
  });
});
