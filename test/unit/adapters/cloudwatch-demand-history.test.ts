import {
  CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
} from "@aws-sdk/client-cloudwatch";
import { CloudWatchDemandHistoryReader } from "@switchyard/adapters";
import { DAY, historyPeriodSeconds, historyWindow } from "@switchyard/core";
import type { ServiceTargets } from "@switchyard/core/ports";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { MetricsUnavailableError } from "../../../packages/adapters/src/errors.ts";
import "../../support/aws-sdk-matchers.ts";

const LB = "app/k8s-default-sd21-3f2a9c1b7e/50dc6c495c0c9188";
const NOW = Date.parse("2025-06-02T14:07:31Z");
const tg = (name: string) => `targetgroup/k8s-default-${name}/0123456789abcdef`;

const sd21: ServiceTargets = {
  service: "sd21",
  loadBalancer: LB,
  targetGroups: { "sd21-inf2": tg("sd21-inf2"), "sd21-trn1": tg("sd21-trn1"), "sd21-l4": null },
  consolidatedTargetGroup: tg("sd21"),
  latencyStatistic: "p95",
};

const cloudwatch = mockClient(CloudWatchClient);
afterEach(() => cloudwatch.reset());

function request(periodSeconds = 300) {
  const window = historyWindow(NOW, 14, periodSeconds, 2 * 60_000);
  return { services: [sd21], start: window.start, end: window.end, periodSeconds };
}

describe("Class: CloudWatchDemandHistoryReader", () => {
  it("reads every target group's RequestCount Sum at the period given, in one call, and sums them into requests/s", async () => {
    const r = request();
    const first = r.start;
    cloudwatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: "h0_0", Timestamps: [new Date(first), new Date(first + 300_000)], Values: [30_000, 60_000] },
        { Id: "h0_1", Timestamps: [new Date(first)], Values: [15_000] },
        { Id: "h0_2", Timestamps: [new Date(first + 300_000)], Values: [3_000] },
      ],
    });
    const histories = await new CloudWatchDemandHistoryReader({ client: new CloudWatchClient({}) }).read(r);
    expect(cloudwatch).toHaveReceivedCommandTimes(GetMetricDataCommand, 1);
    const input = cloudwatch.commandCalls(GetMetricDataCommand)[0]?.args[0]
      .input as GetMetricDataCommandInput;
    // Two units with a target group, and the consolidated Service's: the unit without one is skipped.
    expect(input.MetricDataQueries?.map((q) => q.MetricStat?.Metric?.Dimensions?.[1]?.Value)).toEqual([
      tg("sd21-inf2"),
      tg("sd21-trn1"),
      tg("sd21"),
    ]);
    expect(
      input.MetricDataQueries?.every((q) => q.MetricStat?.Stat === "Sum" && q.MetricStat?.Period === 300),
    ).toBe(true);
    expect(input.MetricDataQueries?.[0]?.MetricStat?.Metric).toMatchObject({
      Namespace: "AWS/ApplicationELB",
      MetricName: "RequestCount",
    });
    expect((input.EndTime?.getTime() ?? 0) - (input.StartTime?.getTime() ?? 0)).toBe(14 * DAY);
    const history = histories.sd21;
    expect(history?.periodMs).toBe(300_000);
    expect(history?.rps.length).toBe(4032);
    // (30,000 + 15,000) ÷ 300 s, (60,000 + 3,000) ÷ 300 s, then periods with no datapoint: unknown.
    expect(history?.rps.slice(0, 3)).toEqual([150, 210, null]);
  });

  it("stays one page: three series of 14 days at 60 s are 60,480 datapoints, under 100,800", async () => {
    expect(historyPeriodSeconds(3, 14)).toBe(60);
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    await new CloudWatchDemandHistoryReader({ client: new CloudWatchClient({}) }).read(request(60));
    expect(cloudwatch).toHaveReceivedCommandTimes(GetMetricDataCommand, 1);
  });

  it("follows a NextToken all the same, and fails on a Forbidden result naming the permission", async () => {
    const r = request();
    cloudwatch
      .on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: [{ Id: "h0_0", Timestamps: [new Date(r.start)], Values: [300] }],
        NextToken: "page-2",
      })
      .resolvesOnce({
        MetricDataResults: [{ Id: "h0_0", Timestamps: [new Date(r.start + 300_000)], Values: [600] }],
      });
    const histories = await new CloudWatchDemandHistoryReader({ client: new CloudWatchClient({}) }).read(r);
    expect(cloudwatch).toHaveReceivedCommandTimes(GetMetricDataCommand, 2);
    expect(histories.sd21?.rps.slice(0, 2)).toEqual([1, 2]);

    cloudwatch.reset();
    cloudwatch
      .on(GetMetricDataCommand)
      .resolves({ MetricDataResults: [{ Id: "h0_0", StatusCode: "Forbidden" }] });
    const read = new CloudWatchDemandHistoryReader({ client: new CloudWatchClient({}) }).read(r);
    await expect(read).rejects.toThrow(MetricsUnavailableError);
    await expect(
      new CloudWatchDemandHistoryReader({ client: new CloudWatchClient({}) }).read(r),
    ).rejects.toThrow(/Forbidden means the role does not allow cloudwatch:GetMetricData/);
  });
});
