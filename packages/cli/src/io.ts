import { constants } from "node:fs";
import { mkdir, open, writeFile } from "node:fs/promises";
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
  /** Writes a file, creating its folder first (the simulator's report); text in chunks is written as it comes. */
  readonly writeFile: (path: string, content: string | Uint8Array | Iterable<string>) => Promise<void>;
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
      return await readRegularFile(path);
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

/** The largest input the CLI reads: a config, a scenario, a load test, a two-week trace are far smaller. */
const MAX_INPUT_BYTES = 64 * 1024 * 1024;

/**
 * Reads a file the user named, refusing what is not a regular file before reading a byte:
 * a FIFO (a plain read blocks until some writer opens it, so `validate` would hang), a
 * device (`/dev/zero` never ends), a folder; and a file past MAX_INPUT_BYTES. The open
 * does not block (O_NONBLOCK), and the checks are on the descriptor read from.
 */
async function readRegularFile(path: string): Promise<string> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) {
      const what = stat.isFIFO()
        ? "a FIFO (named pipe)"
        : stat.isDirectory()
          ? "a folder"
          : stat.isCharacterDevice() || stat.isBlockDevice()
            ? "a device"
            : stat.isSocket()
              ? "a socket"
              : "not a regular file";
      throw Object.assign(new Error(`it is ${what}, not a regular file; pass the path of a file`), {
        code: "ENOTREG",
      });
    }
    if (stat.size > MAX_INPUT_BYTES) {
      throw new Error(
        `it is ${stat.size} bytes, more than the ${MAX_INPUT_BYTES / 1024 / 1024} MiB an input may be`,
      );
    }
    return await handle.readFile({ encoding: "utf8" });
  } finally {
    await handle.close();
  }
}
