import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { DEPLOYED_CONFIG_FILE, readDeployedConfig, type SwitchyardConfig } from "@switchyard/core";

/**
 * The config the stack was deployed with: validated and normalized from switchyard.yaml
 * by the deploy, and copied next to the handler as JSON. Read once per container.
 */
let cached: Promise<SwitchyardConfig> | undefined;

function deployedConfigPath(): string {
  return (
    process.env.SWITCHYARD_CONFIG_FILE ??
    join(process.env.LAMBDA_TASK_ROOT ?? process.cwd(), DEPLOYED_CONFIG_FILE)
  );
}

export function deployedConfig(): Promise<SwitchyardConfig> {
  if (cached === undefined) {
    const path = deployedConfigPath();
    cached = readFile(path, "utf8").then((text) => readDeployedConfig(text, path));
    // A failed read must not poison the container: the next invocation tries again.
    cached.catch(() => {
      cached = undefined;
    });
  }
  return cached;
}
