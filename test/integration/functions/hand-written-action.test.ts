import { readFileSync } from "node:fs";
import { actionAnnotationKey } from "@switchyard/core/manifests";
import { describe, expect, it } from "vitest";
import { handler as applyRouting } from "../../../functions/apply-routing.ts";
import { handler as evaluate } from "../../../functions/evaluate.ts";
import { handler as planSwitch } from "../../../functions/plan-switch.ts";
import type { SwitchState } from "../../../packages/controller/src/switch-state.ts";
import { HandlerWorld, useHandlerWorld } from "../../support/handler-world.ts";
import { repoPath } from "../../support/paths.ts";
import { sd21FailoverConfig } from "../../support/sd21.ts";

const createFleetInf2 = JSON.parse(
  readFileSync(repoPath("test/fixtures/events/create-fleet-one-error.json"), "utf8"),
) as { time: string };
const ACTION = actionAnnotationKey("weighted-routing");
const EXECUTION =
  "arn:aws:states:us-west-2:123456789012:execution:switchyard-dev-ModeSwitch:sd21-failover-202506021408";

// The subject is reading the hand-written annotation through a whole move: a failover.
const world = new HandlerWorld(sd21FailoverConfig());

const annotations = (): Record<string, string> => ({
  ...(world.double.get("Ingress", "default", "sd21")?.metadata.annotations ?? {}),
});

/** Field names as a person might type them: the Load Balancer Controller's Go decoder reads them all. */
function recased(value: string): string {
  const action = JSON.parse(value) as {
    forwardConfig: {
      targetGroups: { serviceName: string; servicePort: number; weight: number }[];
      targetGroupStickinessConfig?: unknown;
    };
  };
  return JSON.stringify({
    Type: "forward",
    ForwardConfig: {
      TargetGroups: action.forwardConfig.targetGroups.map((g) => ({
        ServiceName: g.serviceName,
        serviceport: g.servicePort,
        WEIGHT: g.weight,
      })),
      TargetGroupStickinessConfig: action.forwardConfig.targetGroupStickinessConfig,
    },
  });
}

describe("Handlers: a hand-written action annotation with other casing", () => {
  useHandlerWorld(world, Date.parse(createFleetInf2.time) + 40_000);

  it("is read as the controller reads it: the failover plans from its weights and writes them back canonical", async () => {
    // Prepare
    const seeded = annotations()[ACTION] ?? "";
    world.double.edit("Ingress", "default", "sd21", (ingress) => {
      (ingress.metadata.annotations as Record<string, string>)[ACTION] = recased(seeded);
    });

    // Act
    await evaluate(createFleetInf2);
    const input = JSON.parse(world.started[0]?.input ?? "null");
    const state: SwitchState = await planSwitch({ input, executionArn: EXECUTION });
    await applyRouting(state);

    // Assess
    expect(state.plan.input.move).toBe("failover");
    // The weight was read from the hand-written value, and nothing calls it malformed.
    expect(state.plan.input.reasons[0]).toMatch(/^sd21-inf2 \(weight 40\) cannot get inf2\.xlarge capacity/);
    expect(state.plan.input.evidence.map((e) => e.rule)).not.toContain("action-annotation");
    // Rollback would restore it as it was found.
    expect(state.plan.before.annotationValue).toBe(recased(seeded));
    const written = annotations()[ACTION] ?? "";
    expect(written).toMatch(/^\{"type":"forward","forwardConfig":\{"targetGroups":\[\{"serviceName":"sd21",/);
  });
});
