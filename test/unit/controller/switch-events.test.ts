import { KubernetesUnavailableError } from "@switchyard/adapters";
import { applyScaling, evaluate, planSwitch } from "@switchyard/controller";
import { describe, expect, it } from "vitest";
import { ACTION_KEY, type Harness, harness } from "../../support/controller-fixtures.ts";
import { capacityError, T0 } from "../../support/decision-fixtures.ts";
import { sd21FailoverConfig } from "../../support/sd21.ts";

const EXECUTION_ARN =
  "arn:aws:states:us-west-2:123456789012:execution:switchyard-dev-mode-switch:sd21-failover-202611142120";

/** The failover input evaluate starts on a capacity error for inf2. */
async function failoverInput(h: Harness): Promise<unknown> {
  await evaluate(
    h.config,
    { trigger: "cloudtrail", capacitySignals: [capacityError("inf2.xlarge", T0 - 30_000, 3)] },
    h,
  );
  return h.switches.started[0]?.input;
}

/** Records what the step logs, as Powertools' Logger would take it. */
function recordingLogger() {
  const warnings: Record<string, unknown>[] = [];
  const silent = () => {};
  return {
    warnings,
    logger: {
      debug: silent,
      info: silent,
      error: silent,
      warn: (message: string, ...extra: Record<string, unknown>[]) =>
        warnings.push({ message, ...Object.assign({}, ...extra) }),
    },
  };
}

describe("Steps: the Kubernetes Events of a switch", () => {
  it("Plan tells a refusal it will not retry on the Ingress as SwitchFailed: nothing changed, and why", async () => {
    const h = harness(sd21FailoverConfig());
    const input = await failoverInput(h);
    // Someone routes a canary through the action after the decision.
    const action = JSON.parse(h.cluster.ingress.annotations[ACTION_KEY] ?? "{}");
    action.forwardConfig.targetGroups.push({ serviceName: "sd21-canary", servicePort: 80, weight: 10 });
    h.cluster.ingress = {
      ...h.cluster.ingress,
      annotations: { ...h.cluster.ingress.annotations, [ACTION_KEY]: JSON.stringify(action) },
    };

    await expect(planSwitch(input, EXECUTION_ARN, h)).rejects.toThrow(/ForeignRoutingError|also routes to/);

    expect(h.cluster.recorded.map((e) => [e.reason, e.type, e.action])).toEqual([
      ["SwitchFailed", "Warning", "Failover"],
    ]);
    expect(h.cluster.recorded[0]?.note).toMatch(
      /^Failover from cost to capacity mode could not be planned \(sd21-failover-\d{12}\), nothing changed\. Error: ForeignRoutingError: .*sd21-canary.* https:\/\/us-west-2\.console\.aws\.amazon\.com\/states\/.*sd21-failover-202611142120$/,
    );
  });

  it("Plan records nothing for an error the workflow retries", async () => {
    const h = harness(sd21FailoverConfig());
    const input = await failoverInput(h);
    h.cluster.readService = async () => {
      throw new KubernetesUnavailableError("the API server could not get ingresses (503)");
    };

    await expect(planSwitch(input, EXECUTION_ARN, h)).rejects.toThrow(KubernetesUnavailableError);
    expect(h.cluster.recorded).toEqual([]);
  });

  it("a step goes on when its Event cannot be written, and logs why", async () => {
    const h = harness(sd21FailoverConfig());
    const plan = await planSwitch(await failoverInput(h), EXECUTION_ARN, h);
    h.cluster.failEvents = new Error("events.events.k8s.io is forbidden");
    const { logger, warnings } = recordingLogger();

    const scaling = await applyScaling({ plan }, { ...h, logger });

    expect(scaling.changes.length).toBeGreaterThan(0);
    expect(warnings).toEqual([
      {
        message: "event not recorded",
        service: "sd21",
        reason: "SwitchStarted",
        error: "Error: events.events.k8s.io is forbidden",
      },
    ]);
  });
});
