import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import {
  DEPLOYED_CONFIG_FILE,
  deployedConfigDocument,
  loadConfig,
  type SwitchyardConfig,
} from "@switchyard/core";

/** The config a deploy uses: `SWITCHYARD_CONFIG=path/to/switchyard.yaml npx sst deploy`. */
export const CONFIG_ENV = "SWITCHYARD_CONFIG";
const DEFAULT_CONFIG = "examples/sd21/switchyard.yaml";

export interface DeployConfig {
  /** The YAML as given, relative to the app's root. */
  readonly source: string;
  readonly config: SwitchyardConfig;
}

/**
 * Reads and validates the config before anything is deployed: a bad file fails the
 * deploy with every error, its path and its line (ConfigError's message), not the
 * first Lambda invocation.
 */
export function readDeployConfig(root: string = process.cwd()): DeployConfig {
  const source = process.env[CONFIG_ENV] ?? DEFAULT_CONFIG;
  const path = join(root, source);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (cause) {
    throw new Error(
      `${CONFIG_ENV}=${source}: cannot read the Switchyard config (${(cause as Error).message}); set ${CONFIG_ENV} to your switchyard.yaml`,
      { cause },
    );
  }
  return { source, config: loadConfig(text, source) };
}

/**
 * Writes the validated config as the JSON the functions read (DEPLOYED_CONFIG_FILE next
 * to each handler, shipped with `copyFiles`), under .sst/ so it is never committed.
 * Returns its path relative to the app's root, as `copyFiles.from` wants it.
 */
export function writeDeployedConfig(deploy: DeployConfig, root: string): string {
  const path = join(root, ".sst", "switchyard", DEPLOYED_CONFIG_FILE);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, deployedConfigDocument(deploy.config, deploy.source));
  return relative(root, path);
}
