import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { InputFileError, OutputFolderError, unreadableFile, unwritableFolder } from "./errors.ts";

/** What a command touches outside itself; tests pass their own. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /**
   * Writes to stderr as is, control characters included: only for what the CLI draws
   * itself (the progress bar's `\r` redraws). runCli passes stdout and stderr through
   * `printable`; without this the bar writes to stderr.
   */
  readonly terminal?: (text: string) => void;
  readonly readFile: (path: string) => Promise<string>;
  /** Writes a file, creating its folder first (the simulator's report). */
  readonly writeFile: (path: string, content: string | Uint8Array) => Promise<void>;
  /**
   * Creates an output folder (and its parents) before the work starts, so a file in the
   * way is a usage error at once, not after a long run.
   */
  readonly prepareFolder: (path: string) => Promise<void>;
  readonly now: () => Date;
  /** Whether stdout is a terminal (the progress bar only then; nothing the CLI writes is coloured). */
  readonly isTty: boolean;
  /** Waits `ms` (`abort` waiting for the switch to stop); tests pass one that moves their world on. */
  readonly sleep?: (ms: number) => Promise<void>;
}

export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readFile: async (path) => {
    try {
      return await readFile(path, "utf8");
    } catch (cause) {
      throw new InputFileError(unreadableFile(path, cause), { cause });
    }
  },
  writeFile: async (path, content) => {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
  },
  prepareFolder: async (path) => {
    try {
      await mkdir(path, { recursive: true });
    } catch (cause) {
      throw new OutputFolderError(unwritableFolder(path, cause), { path, cause });
    }
  },
  now: () => new Date(),
  isTty: process.stdout.isTTY === true,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
