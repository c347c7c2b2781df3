import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import {
  DEPLOYED_CONFIG_FILE,
  deployedConfigDocument,
  loadConfig,
  type SwitchyardConfig,
} from "@switchyard/core";

/** The config a deploy uses: `SWITCHYARD_CONFIG=path/to/switchyard.yaml npx sst deploy`. */
export const CONFIG_ENV = "SWITCHYARD_CONFIG";
const DEFAULT_CONFIG = "examples/sd21/switchyard.yaml";

interface DeployConfig {
  /** The YAML as given: an absolute path, or one relative to the app's root. */
  readonly source: string;
  readonly config: SwitchyardConfig;
}

/**
 * Reads and validates the config before anything is deployed: a bad file fails the
 * deploy with every error, its path and its line (ConfigError's message), not the
 * first Lambda invocation. `SWITCHYARD_CONFIG` may be absolute (a config kept anywhere,
 * outside this repository) or relative to the app's root.
 */
export function readDeployConfig(root: string = process.cwd()): DeployConfig {
  const source = process.env[CONFIG_ENV] ?? DEFAULT_CONFIG;
  const path = resolve(root, source);
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
 * to each handler, shipped with `copyFiles`), under .sst/ so it is never committed, in a
 * folder of the stage's own: two clusters' stages deployed from one checkout at once
 * each ship their own config. Returns its path relative to the app's root, as
 * `copyFiles.from` wants it.
 */
export function writeDeployedConfig(deploy: DeployConfig, root: string, stage: string): string {
  const path = join(root, ".sst", "switchyard", stage, DEPLOYED_CONFIG_FILE);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, deployedConfigDocument(deploy.config, deploy.source));
  return relative(root, path);
}
