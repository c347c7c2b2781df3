import { readFileSync } from "node:fs";
import { stepFunctionsExecutionUrl } from "@switchyard/core/deploy";
import { describe, expect, it, vi } from "vitest";
import { handler as evaluate } from "../../functions/evaluate.ts";
import { HandlerWorld, useHandlerWorld } from "../support/handler-world.ts";
import { type DescribedEvent, describeIngressEvents } from "../support/kubectl-describe.ts";
import { REGION, runModeSwitch, type WorkflowRun } from "../support/local-workflow.ts";
import { repoPath } from "../support/paths.ts";
import { sd21FailoverConfig } from "../support/sd21.ts";

const fixture = (name: string): { time: string } =>
  JSON.parse(readFileSync(repoPath(`test/fixtures/events/${name}.json`), "utf8"));
const createFleetInf2 = fixture("create-fleet-one-error");
const scheduled = fixture("scheduled-event");

const world = new HandlerWorld(sd21FailoverConfig());

/** The schedule or an EventBridge event reaches evaluate; the execution it starts runs to its end. */
async function switchOn(event: unknown): Promise<WorkflowRun> {
  const started = world.started.length;
  await evaluate(event);
  const execution = world.started[started];
  if (execution?.name === undefined) {
    throw new Error("evaluate started no execution");
  }
  const run = await runModeSwitch(world, JSON.parse(execution.input ?? "null"), execution.name, {
    advanceClock: (ms) => vi.setSystemTime(Date.now() + ms),
  });
  world.executions = world.executions.map((e) =>
    e.name === execution.name
      ? { ...e, status: run.failure === undefined ? "SUCCEEDED" : "FAILED", stopDate: new Date() }
      : e,
  );
  return run;
}

/** Type, reason and the writer of each row of `kubectl describe ingress sd21`'s Events. */
function rows(events: readonly DescribedEvent[]): string[] {
  return events.map((e) => `${e.type} ${e.reason} ${e.from}`);
}

const describeSd21 = () => describeIngressEvents(world.double, "default", "sd21");

describe("Kubernetes Events: kubectl describe ingress tells the story of each switch", () => {
  useHandlerWorld(world, Date.parse(createFleetInf2.time) + 40_000);

  it("records a failover as started, traffic moved and succeeded, each with the move, the cause and the execution's console link", async () => {
    world.lbc.lag = 1;
    const run = await switchOn(createFleetInf2);
    expect(run.failure).toBeUndefined();

    const events = await describeSd21();
    expect(rows(events)).toEqual([
      "Normal SwitchStarted switchyard",
      "Normal TrafficMoved switchyard",
      "Normal SwitchSucceeded switchyard",
    ]);
    const link = stepFunctionsExecutionUrl(REGION, run.executionArn);
    for (const { message } of events) {
      expect(message.endsWith(` ${link}`), message).toBe(true);
    }
    const [started, moved, succeeded] = events.map((e) => e.message);
    expect(started).toMatch(
      /^Failover from cost to capacity mode started \(sd21-failover-\d{12}\), scaling the receivers first: .+\. Why: .*sd21-inf2.*inf2\.xlarge/,
    );
    expect(moved).toMatch(
      /^Traffic weights of action weighted-routing updated from (sd21-[a-z0-9-]+ \d+, ){4}sd21-[a-z0-9-]+ \d+ to sd21 100 \(round-robin per pod\); mode capacity \(sd21-failover-\d{12}\)/,
    );
    expect(succeeded).toMatch(
      /^Failover from cost to capacity mode completed \(sd21-failover-\d{12}\): the ALB listener rule holds the new weights \(arn:aws:elasticloadbalancing:/,
    );
    // Written through events.k8s.io/v1: eventTime (MicroTime), the reporter, the action;
    // one occurrence each, so no count and no series.
    for (const { event } of events) {
      expect(event).toMatchObject({
        action: "Failover",
        reportingComponent: "switchyard",
        reportingInstance: "switchyard",
        involvedObject: { apiVersion: "networking.k8s.io/v1", kind: "Ingress", name: "sd21" },
      });
      expect(String(event.eventTime)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}000Z$/);
      expect(event.count).toBeUndefined();
      expect(event.series).toBeUndefined();
    }
  });

  it("records the fallback after it, so the Ingress shows both switches in order", async () => {
    world.lbc.lag = 0;
    const failover = await switchOn(createFleetInf2);
    vi.setSystemTime(Date.now() + 30 * 60_000);
    const fallback = await switchOn(scheduled);
    expect([failover.failure, fallback.failure]).toEqual([undefined, undefined]);

    const events = await describeSd21();
    expect(rows(events)).toEqual([
      "Normal SwitchStarted switchyard",
      "Normal TrafficMoved switchyard",
      "Normal SwitchSucceeded switchyard",
      "Normal SwitchStarted switchyard",
      "Normal TrafficMoved switchyard",
      "Normal SwitchSucceeded switchyard",
    ]);
    expect(events.slice(3).map((e) => e.event.action)).toEqual(["Fallback", "Fallback", "Fallback"]);
    expect(events[3]?.message).toMatch(
      /^Fallback from capacity to cost mode started \(sd21-fallback-\d{12}\)/,
    );
    expect(events[4]?.message).toMatch(
      /updated from sd21 100 to (sd21-[a-z0-9-]+ \d+, ){4}sd21-[a-z0-9-]+ \d+; mode cost/,
    );
    expect(events[5]?.message).toContain(stepFunctionsExecutionUrl(REGION, fallback.executionArn));
  });

  it("records a switch the ALB never applied as rolled back, a Warning with the error and what was restored", async () => {
    world.lbc.lag = "never";
    const run = await switchOn(createFleetInf2);
    expect(run.failure?.error).toBe("RoutingNotAppliedError");

    const events = await describeSd21();
    expect(rows(events)).toEqual([
      "Normal SwitchStarted switchyard",
      "Normal TrafficMoved switchyard",
      "Warning SwitchRolledBack switchyard",
    ]);
    expect(events[2]?.message).toMatch(
      /^Failover from cost to capacity mode failed \(sd21-failover-\d{12}\) and was rolled back, restored the Ingress annotations and \d+ KEDA target\(s\).*; cost mode stays\. Error: RoutingNotAppliedError: the ALB listener rule does not hold the planned weights yet/,
    );
    expect(events[2]?.message).toContain(stepFunctionsExecutionUrl(REGION, run.executionArn));
  });

  it("writes a retried step's Event once: the second create of the same name is AlreadyExists, and the switch goes on", async () => {
    world.lbc.lag = 0;
    // The first ScaledObject patch meets a 503: ScaleReceivers fails as TransientError and is retried.
    world.double.failNext({ verb: "patch", resource: "scaledobjects", status: 503 });
    const run = await switchOn(createFleetInf2);
    expect(run.failure).toBeUndefined();

    const creates = world.double.requestsMatching({ verb: "create", resource: "events" });
    expect(creates.map((r) => r.status)).toEqual([201, 409, 201, 201]);
    expect(rows(await describeSd21())).toEqual([
      "Normal SwitchStarted switchyard",
      "Normal TrafficMoved switchyard",
      "Normal SwitchSucceeded switchyard",
    ]);
  });

  it("never fails a switch for its Events: with `create events` denied the failover completes, untold", async () => {
    world.lbc.lag = 0;
    world.double.deny({ verb: "create", resource: "events" });
    const run = await switchOn(createFleetInf2);

    expect(run.failure).toBeUndefined();
    expect(
      world.double.requestsMatching({ verb: "create", resource: "events" }).map((r) => r.status),
    ).toEqual([403, 403, 403]);
    expect(await describeSd21()).toEqual([]);
  });
});
