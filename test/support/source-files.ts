import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { repoPath } from "./paths.ts";

export interface SourceFile {
  /** Relative to the repository root, with forward slashes. */
  readonly path: string;
  readonly text: string;
}

/** Every .ts file under a folder of the repository (node_modules and build output left out). */
export function sourceFiles(folder: string): SourceFile[] {
  const root = repoPath(".");
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        return entry.name === "node_modules" || entry.name === "dist" ? [] : walk(path);
      }
      return entry.name.endsWith(".ts") ? [path] : [];
    });
  return walk(repoPath(folder)).map((path) => ({
    path: relative(root, path).split("\\").join("/"),
    text: readFileSync(path, "utf8"),
  }));
}
