import { InputFileError, unreadableFile } from "../../packages/cli/src/errors.ts";
import type { CliIo } from "../../packages/cli/src/io.ts";
import { runCli } from "../../packages/cli/src/program.ts";
import { readRepoFile } from "./paths.ts";

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Files the command wrote, by path (kept in memory, never on disk). */
  readonly written: ReadonlyMap<string, string | Uint8Array>;
}

/** Runs the CLI in-process; files resolve from the repository root, the clock is fixed. */
export async function runSwitchyard(
  args: readonly string[],
  files: Record<string, string> = {},
  /** Parts of the io to replace, e.g. a `sleep` that moves the test's world on. */
  overrides: Partial<CliIo> = {},
): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const written = new Map<string, string | Uint8Array>();
  const io: CliIo = {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    readFile: async (path) => {
      try {
        return files[path] ?? readRepoFile(path);
      } catch (cause) {
        throw new InputFileError(unreadableFile(path, cause), { cause });
      }
    },
    writeFile: async (path, content) => {
      written.set(
        path,
        typeof content === "string" || content instanceof Uint8Array ? content : [...content].join(""),
      );
    },
    prepareFolder: async () => {},
    now: () => new Date("2026-11-14T21:20:00Z"),
    isTty: false,
    sleep: async () => {},
    ...overrides,
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr, written };
}
