import { ConfigError, formatConfigIssues, parseConfig, type SwitchyardConfig } from "@switchyard/core";
import type { CliIo } from "../io.ts";

/** Reads and validates a config file, throwing a `ConfigError` with every issue. */
export async function readConfig(io: CliIo, path: string): Promise<SwitchyardConfig> {
  const result = parseConfig(await io.readFile(path));
  if (!result.ok) {
    throw new ConfigError(formatConfigIssues(path, result.issues), { source: path, issues: result.issues });
  }
  return result.value;
}
