import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Absolute path of a file in the repository, from its path relative to the root. */
export function repoPath(relative: string): string {
  return fileURLToPath(new URL(`../../${relative}`, import.meta.url));
}

export function readRepoFile(relative: string): string {
  return readFileSync(repoPath(relative), "utf8");
}
