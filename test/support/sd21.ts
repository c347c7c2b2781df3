import { type InferenceService, loadConfig, type SwitchyardConfig } from "@switchyard/core";
import type { Policy } from "../../packages/core/src/config/types.ts";
import { readRepoFile } from "./paths.ts";

/** The bundled example: the seed's five SD2.1 units. */
export function sd21Config(): SwitchyardConfig {
  return loadConfig(readRepoFile("examples/sd21/switchyard.yaml"), "examples/sd21/switchyard.yaml");
}

/** The bundled example with `policy` overriding every service's policy fields. */
export function sd21ConfigWith(policy: Partial<Policy>): SwitchyardConfig {
  const config = sd21Config();
  return { ...config, services: config.services.map((s) => ({ ...s, policy: { ...s.policy, ...policy } })) };
}

/**
 * The bundled example answering every loss with a failover to capacity mode (policy
 * `lossResponse: failover`, the seed's answer): for tests whose subject is the failover
 * machinery — starting the execution, the steps, the workflow — not the choice of response.
 */
export function sd21FailoverConfig(): SwitchyardConfig {
  return sd21ConfigWith({ lossResponse: "failover" });
}

export function sd21Service(overrides: Partial<InferenceService> = {}): InferenceService {
  const service = sd21Config().services[0];
  if (service === undefined) {
    throw new Error("examples/sd21/switchyard.yaml has no service");
  }
  return { ...service, ...overrides };
}
