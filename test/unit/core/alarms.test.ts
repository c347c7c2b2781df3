import { EVALUATE_SCHEDULE } from "@switchyard/core";
import { evaluateAlarms, modeSwitchAlarms } from "@switchyard/core/deploy";
import { describe, expect, it } from "vitest";
import { alarmStateChanges } from "../../support/cloudwatch-alarm.ts";

const alarm = (id: string) => {
  const found = evaluateAlarms().find((a) => a.id === id);
  if (found === undefined) throw new Error(`no alarm ${id}`);
  return found;
};

/** Per minute: evaluate's Lambda metrics while it runs every minute, `failing` in the given minutes. */
function minutes(count: number, value: (minute: number) => number | undefined): (number | undefined)[] {
  return Array.from({ length: count }, (_, minute) => value(minute));
}

/** What reaches the alerts topic: one message per state change into ALARM or OK after the first evaluation. */
const notifications = (changes: ReturnType<typeof alarmStateChanges>) =>
  changes.filter((c, i) => i > 0 || c.to === "ALARM").map((c) => c.to);

describe("Function: evaluateAlarms", () => {
  it("counts minutes of the per-minute schedule", () => {
    expect(EVALUATE_SCHEDULE).toBe("rate(1 minute)");
    for (const a of evaluateAlarms()) expect(a.period).toBe(60);
  });

  describe("Alarm: EvaluateErrors", () => {
    const errors = alarm("EvaluateErrors");

    it("watches evaluate's Lambda Errors", () => {
      expect(errors).toMatchObject({ namespace: "AWS/Lambda", metricName: "Errors", statistic: "Sum" });
    });

    it("notifies once when evaluate fails every minute for an hour (a lasting 403), and once when it recovers", () => {
      // Prepare: 10 healthy minutes, 60 failing, 20 healthy.
      const series = minutes(90, (m) => (m >= 10 && m < 70 ? 1 : 0));

      // Act
      const changes = alarmStateChanges(errors, series);

      // Assess
      expect(notifications(changes)).toEqual(["ALARM", "OK"]);
      expect(changes.find((c) => c.to === "ALARM")?.period).toBe(12); // the third failed minute
    });

    it("stays quiet on one throttled minute in ten", () => {
      const changes = alarmStateChanges(
        errors,
        minutes(120, (m) => (m % 10 === 3 ? 1 : 0)),
      );
      expect(notifications(changes)).toEqual([]);
    });

    it("alarms on failures every other minute (a flaky dependency) once", () => {
      const changes = alarmStateChanges(
        errors,
        minutes(60, (m) => (m % 2 === 0 ? 1 : 0)),
      );
      expect(notifications(changes)).toEqual(["ALARM"]);
    });

    it("does not count minutes without invocations as errors (the other alarm does)", () => {
      const changes = alarmStateChanges(
        errors,
        minutes(60, () => undefined),
      );
      expect(notifications(changes)).toEqual([]);
    });

    it("tells the operator that detection is down and where the error is named", () => {
      expect(errors.alarmDescription).toContain("failovers are not being detected");
      expect(errors.alarmDescription).toContain("/aws/lambda/<FunctionName>");
      expect(errors.alarmDescription).toContain("KubernetesForbiddenError names the RBAC rule");
    });
  });

  describe("Alarm: EvaluateNotRunning", () => {
    const notRunning = alarm("EvaluateNotRunning");

    it("watches evaluate's Lambda Invocations, counting no datapoint as not running", () => {
      expect(notRunning).toMatchObject({
        namespace: "AWS/Lambda",
        metricName: "Invocations",
        treatMissingData: "breaching",
      });
    });

    it("stays OK while the schedule invokes evaluate every minute", () => {
      const changes = alarmStateChanges(
        notRunning,
        minutes(120, () => 1),
      );
      expect(notifications(changes)).toEqual([]);
    });

    it("notifies once when evaluate stops running (the rule disabled, no datapoints at all), and once when it runs again", () => {
      const series = minutes(120, (m) => (m >= 30 && m < 90 ? undefined : 1));
      const changes = alarmStateChanges(notRunning, series);
      expect(notifications(changes)).toEqual(["ALARM", "OK"]);
      expect(changes.find((c) => c.to === "ALARM")?.period).toBe(34); // five silent minutes
    });

    it("does not alarm on one missed minute", () => {
      const changes = alarmStateChanges(
        notRunning,
        minutes(60, (m) => (m === 20 ? undefined : 1)),
      );
      expect(notifications(changes)).toEqual([]);
    });
  });
});

describe("Function: modeSwitchAlarms", () => {
  const byMetric = Object.fromEntries(modeSwitchAlarms().map((a) => [a.metricName, a]));

  it("watches the state machine's failed, aborted and timed-out executions", () => {
    expect(Object.keys(byMetric).sort()).toEqual([
      "ExecutionsAborted",
      "ExecutionsFailed",
      "ExecutionsTimedOut",
    ]);
    for (const alarm of modeSwitchAlarms()) {
      expect(alarm).toMatchObject({ namespace: "AWS/States", statistic: "Sum", period: 60 });
    }
  });

  it.each(["ExecutionsFailed", "ExecutionsAborted", "ExecutionsTimedOut"])(
    "notifies once for an execution that ended so (%s), and once when the next minute is quiet",
    (metric) => {
      const alarm = byMetric[metric];
      if (alarm === undefined) throw new Error(`no alarm on ${metric}`);
      // Step Functions publishes the metric only in a minute an execution ended so.
      const series = minutes(30, (m) => (m === 12 ? 1 : undefined));
      expect(notifications(alarmStateChanges(alarm, series))).toEqual(["ALARM", "OK"]);
      expect(
        notifications(
          alarmStateChanges(
            alarm,
            minutes(30, () => undefined),
          ),
        ),
      ).toEqual([]);
    },
  );

  it("says a failed Notify sent no alert, and that evaluate repairs what an aborted or timed-out switch left", () => {
    expect(byMetric.ExecutionsFailed?.alarmDescription).toContain(
      "One that failed in AnnounceFailed sent none: its Notify never reached SNS",
    );
    for (const metric of ["ExecutionsAborted", "ExecutionsTimedOut"]) {
      expect(byMetric[metric]?.alarmDescription).toContain("It ran no Rollback and sent no alert");
      expect(byMetric[metric]?.alarmDescription).toContain("starts a repair of the current mode");
    }
  });
});
