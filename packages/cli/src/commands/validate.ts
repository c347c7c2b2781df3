import { formatConfigWarnings, parseConfigWarnings } from "@switchyard/core";
import type { CliIo } from "../io.ts";
import { readConfig } from "./read-config.ts";

/**
 * `switchyard validate --config F`: exit 0 and a summary (with any warnings on stderr:
 * the config works, but not as its author may think), or exit 2 and every error.
 */
export async function validateCommand(io: CliIo, options: { config: string }): Promise<void> {
  const config = await readConfig(io, options.config);
  const lines = config.services.map(
    (s) =>
      `  ${s.name}: Ingress ${s.namespace}/${s.ingress}, action ${s.action}, ${s.units.length} unit${s.units.length === 1 ? "" : "s"} (${s.units.map((u) => u.name).join(", ")})`,
  );
  io.stdout(
    `${options.config}: valid — cluster ${config.cluster.name} in ${config.cluster.region}, ${config.services.length} service${config.services.length === 1 ? "" : "s"}\n${lines.join("\n")}\n`,
  );
  const warnings = parseConfigWarnings(await io.readFile(options.config), config);
  if (warnings.length > 0) {
    io.stderr(`${formatConfigWarnings(options.config, warnings)}\n`);
  }
}
