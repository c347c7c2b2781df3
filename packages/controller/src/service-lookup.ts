import type { InferenceService, SwitchyardConfig } from "@switchyard/core";
import { SwitchInputError } from "./errors.ts";

/** The configured service a mode switch is for. */
export function serviceNamed(config: SwitchyardConfig, name: string): InferenceService {
  const service = config.services.find((s) => s.name === name);
  if (service === undefined) {
    throw new SwitchInputError(
      `no service "${name}" in the deployed config (it has ${config.services.map((s) => s.name).join(", ")}); was the config changed while a switch ran?`,
    );
  }
  return service;
}
