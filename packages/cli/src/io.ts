import { readFile } from "node:fs/promises";
import { InputFileError } from "./errors.ts";

/** What a command touches outside itself; tests pass their own. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly readFile: (path: string) => Promise<string>;
  readonly now: () => Date;
  /** Whether stdout is a terminal (progress bars and colour only then). */
  readonly isTty: boolean;
}

export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readFile: async (path) => {
    try {
      return await readFile(path, "utf8");
    } catch (cause) {
      throw new InputFileError(path, cause);
    }
  },
  now: () => new Date(),
  isTty: process.stdout.isTTY === true,
};
