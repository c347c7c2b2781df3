import { ConfigError, type ConfigIssue, formatConfigIssues } from "../errors.ts";
import type { SwitchyardConfig } from "./types.ts";

/** Marks the file the infra writes for the functions; a stale or foreign file is refused. */
const DEPLOYED_CONFIG_FORMAT = "switchyard/deployed-config@1";

/** The file name the functions read next to their handler. */
export const DEPLOYED_CONFIG_FILE = "switchyard.config.json";

interface DeployedConfigDocument {
  readonly format: string;
  /** The YAML file it was validated from, for messages. */
  readonly source: string;
  readonly config: SwitchyardConfig;
}

/**
 * The config as the functions read it: validated and normalized at deploy time from the
 * YAML (so a bad file never deploys), then shipped as JSON, so a cold start parses no
 * YAML and loads no schema library.
 */
export function deployedConfigDocument(config: SwitchyardConfig, source: string): string {
  const document: DeployedConfigDocument = { format: DEPLOYED_CONFIG_FORMAT, source, config };
  return `${JSON.stringify(document, null, 2)}\n`;
}

export function readDeployedConfig(text: string, path: string): SwitchyardConfig {
  let document: Partial<DeployedConfigDocument>;
  try {
    document = JSON.parse(text) as Partial<DeployedConfigDocument>;
  } catch (cause) {
    throw invalidDeployedConfig(path, {
      path: "(root)",
      message: `not JSON (${(cause as Error).message}); redeploy to rewrite it`,
    });
  }
  if (document.format !== DEPLOYED_CONFIG_FORMAT || !Array.isArray(document.config?.services)) {
    throw invalidDeployedConfig(path, {
      path: "format",
      message: `expected "${DEPLOYED_CONFIG_FORMAT}" with a config, got ${JSON.stringify(document.format ?? null)}; the file is written by the deploy from switchyard.yaml — redeploy`,
    });
  }
  return document.config as SwitchyardConfig;
}

function invalidDeployedConfig(path: string, issue: ConfigIssue): ConfigError {
  return new ConfigError(formatConfigIssues(path, [issue]), { source: path, issues: [issue] });
}
