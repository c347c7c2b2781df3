import { readFile } from "node:fs/promises";
import { loadScenario } from "@switchyard/sim";
import { parseScenario } from "../../packages/sim/src/scenario/load.ts";
import type { Scenario } from "../../packages/sim/src/scenario/types.ts";
import { repoPath } from "./paths.ts";

/** Reads a file named relative to the repository root (as the CLI does from its working directory). */
export async function readRepoText(path: string): Promise<string> {
  return readFile(path.startsWith("/") ? path : repoPath(path), "utf8");
}

/** A scenario file of the repository, loaded as the CLI loads it. */
export async function repoScenario(path: string): Promise<Scenario> {
  return loadScenario(path, readRepoText);
}

/** A scenario with some fields replaced (times stay absolute). */
export function withScenario(base: Scenario, overrides: Partial<Scenario>): Scenario {
  return { ...base, ...overrides };
}

/** A scenario written in the test, resolved as if it were in test/fixtures/scenarios/ (the SD2.1 config by default). */
export async function inlineScenario(body: string): Promise<Scenario> {
  const text = body.includes("config:") ? body : `config: ../../../examples/sd21/switchyard.yaml\n${body}`;
  return parseScenarioOrThrow(text);
}

async function parseScenarioOrThrow(text: string): Promise<Scenario> {
  const result = await parseScenario(text, "test/fixtures/scenarios/inline.yaml", readRepoText);
  if (!result.ok) {
    throw new Error(`test scenario is invalid: ${JSON.stringify(result.issues)}`);
  }
  return result.value;
}
