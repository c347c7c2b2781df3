import { readFileSync } from "node:fs";
import type { InferenceService, SwitchyardConfig } from "@switchyard/core";
import { describe, expect, it } from "vitest";
import { handler } from "../../../functions/evaluate.ts";
import { HandlerWorld, useHandlerWorld } from "../../support/handler-world.ts";
import { repoPath } from "../../support/paths.ts";
import { sd21FailoverConfig } from "../../support/sd21.ts";

const createFleetInf2 = JSON.parse(
  readFileSync(repoPath("test/fixtures/events/create-fleet-one-error.json"), "utf8"),
) as { time: string };

/** Two services of 62 characters, the first 57 the same: as far as a cut name reaches. */
const NAMES = [
  "sd21-stable-diffusion-inference-production-us-west-2-blue-aaaa",
  "sd21-stable-diffusion-inference-production-us-west-2-blue-bbbb",
] as const;

/** The SD2.1 service twice, in two namespaces, under the two long names. */
function twoLongServices(): SwitchyardConfig {
  const config = sd21FailoverConfig();
  const service = config.services[0] as InferenceService;
  return {
    ...config,
    services: NAMES.map((name, i) => ({ ...service, name, namespace: i === 0 ? "default" : "team-b" })),
  };
}

const world = new HandlerWorld(twoLongServices());

describe("Handler: evaluate, two services whose names share their first 57 characters", () => {
  useHandlerWorld(world, Date.parse(createFleetInf2.time) + 40_000);

  it("fails both over, each under an execution name of its own within 80 characters", async () => {
    const result = await handler(createFleetInf2);
    expect(result.services.map((s) => [s.decision, s.status])).toEqual([
      ["failover", "STARTED"],
      ["failover", "STARTED"],
    ]);
    const names = world.started.map((s) => s.name ?? "");
    expect(new Set(names).size).toBe(2);
    for (const name of names) {
      expect(name.length).toBeLessThanOrEqual(80);
    }
    expect(world.started.map((s) => JSON.parse(s.input ?? "{}").service)).toEqual([...NAMES]);
  });
});
