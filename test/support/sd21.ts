import { type InferenceService, loadConfig, type SwitchyardConfig } from "@switchyard/core";
import { readRepoFile } from "./paths.ts";

/** The bundled example: the seed's five SD2.1 units. */
export function sd21Config(): SwitchyardConfig {
  return loadConfig(readRepoFile("examples/sd21/switchyard.yaml"), "examples/sd21/switchyard.yaml");
}

export function sd21Service(overrides: Partial<InferenceService> = {}): InferenceService {
  const service = sd21Config().services[0];
  if (service === undefined) {
    throw new Error("examples/sd21/switchyard.yaml has no service");
  }
  return { ...service, ...overrides };
}
