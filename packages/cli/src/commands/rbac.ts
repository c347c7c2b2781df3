import { renderControllerRbac } from "@switchyard/core/manifests";
import type { CliIo } from "../io.ts";
import { readConfig } from "./read-config.ts";

/** `switchyard rbac --config F`: the Role and RoleBinding the deployed functions need, as YAML for kubectl. */
export async function rbacCommand(io: CliIo, options: { config: string }): Promise<void> {
  const config = await readConfig(io, options.config);
  io.stdout(renderControllerRbac(config, options.config));
}
