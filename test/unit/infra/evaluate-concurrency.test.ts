import { evaluate } from "@switchyard/controller";
import type { Clock, SwitchRequest, SwitchStart } from "@switchyard/core/ports";
import { parseExecutionName } from "@switchyard/core/workflow";
import { describe, expect, it } from "vitest";
import { EVALUATE_RESERVED_CONCURRENCY } from "../../../infra/evaluate-concurrency.ts";
import { harness } from "../../support/controller-fixtures.ts";
import { capacityError, T0 } from "../../support/decision-fixtures.ts";
import { ManualClock, RecordingSwitchStarter } from "../../support/fake-ports.ts";
import { sd21FailoverConfig } from "../../support/sd21.ts";

/** Step Functions as evaluate reads it: an execution it started is RUNNING in the history from then on. */
class ListingSwitchStarter extends RecordingSwitchStarter {
  readonly #clock: { current: Clock };
  constructor(clock: { current: Clock }) {
    super();
    this.#clock = clock;
  }
  override async start(request: SwitchRequest): Promise<SwitchStart> {
    const start = await super.start(request);
    const parsed = parseExecutionName(request.name);
    if (start.started && parsed !== null) {
      this.records.push({
        name: request.name,
        move: parsed.move,
        startedAt: this.#clock.current.now(),
        status: "RUNNING",
      });
    }
    return start;
  }
}

/**
 * Lambda's asynchronous invocation (how EventBridge invokes evaluate) under reserved
 * concurrency: an invocation runs when fewer than `reserved` are running; otherwise it is
 * throttled and stays in the function's event queue, which retries it until one is free
 * (Lambda developer guide, "Asynchronous invocation": throttled events go back to the
 * queue for up to 6 hours). Without a reservation, every invocation runs at once.
 */
function asyncLambda(reserved: number | undefined) {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(invocation: () => Promise<T>): Promise<T> => {
    while (reserved !== undefined && running >= reserved) {
      await new Promise<void>((resolve) => waiting.push(resolve));
    }
    running += 1;
    try {
      return await invocation();
    } finally {
      running -= 1;
      waiting.shift()?.();
    }
  };
}

describe("Deploy: the evaluate function's concurrency", () => {
  it("starts one failover for two capacity events on either side of a minute boundary", async () => {
    // Prepare
    // Each event must start a failover (lossResponse: failover): the subject is how many start.
    const h = harness(sd21FailoverConfig());
    const now = { current: h.clock as Clock };
    const switches = new ListingSwitchStarter(now);
    const invoke = asyncLambda(EVALUATE_RESERVED_CONCURRENCY);
    // Karpenter's CreateFleet fails for inf2 at 21:20:58 and again at 21:21:01; each event invokes evaluate.
    const eventAt = (offset: number) => {
      const clock = new ManualClock(T0 + offset);
      const cause = {
        trigger: "cloudtrail" as const,
        capacitySignals: [capacityError("inf2.xlarge", T0 + offset - 2_000)],
      };
      return () => {
        now.current = clock;
        return evaluate(h.config, cause, { ...h, clock, switches });
      };
    };

    // Act
    const reports = await Promise.all([invoke(eventAt(58_000)), invoke(eventAt(61_000))]);

    // Assess
    expect(reports.map((r) => r.services[0]?.decision.kind)).toEqual(["failover", "failover"]);
    expect(switches.started.map((s) => s.name)).toEqual(["sd21-failover-202611142120"]);
    expect(reports[1]?.services[0]?.skippedForRunning).toBe("sd21-failover-202611142120");
  });
});
