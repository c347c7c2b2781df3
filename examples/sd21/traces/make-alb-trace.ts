// Writes alb-request-count.json: a synthetic day of an ALB's RequestCount in the exact
// shape `aws cloudwatch get-metric-data` prints (AWS CLI v2, JSON output), for the
// recorded-day scenario. It is not a recording of a real load balancer: it is the SD2.1
// service's daily wave (40-430 RPS, peak at 15:00 UTC, as in inf2-outage.yaml) with
// seeded ±8 % noise per minute, and five minutes (04:10-04:14 UTC) with no requests at
// all, which CloudWatch reports as no datapoint. Reproduce it with
//
//   node examples/sd21/traces/make-alb-trace.ts > examples/sd21/traces/alb-request-count.json
//
// The query it stands for (Sum of RequestCount per minute, newest first: GetMetricData's
// default ScanBy is TimestampDescending):
//
//   aws cloudwatch get-metric-data --start-time 2026-11-16T00:00:00Z --end-time 2026-11-17T00:00:00Z \
//     --metric-data-queries '[{"Id":"requests","MetricStat":{"Metric":{"Namespace":"AWS/ApplicationELB",
//       "MetricName":"RequestCount","Dimensions":[{"Name":"LoadBalancer","Value":"app/k8s-default-sd21-0123456789/0123456789abcdef"}]},
//       "Period":60,"Stat":"Sum"}}]'

const START = Date.parse("2026-11-16T00:00:00Z");
const MINUTES = 24 * 60;
const MIN_RPS = 40;
const MAX_RPS = 430;
const PEAK_MINUTE = 15 * 60;
const NOISE = 0.08;
const SILENT = { from: 4 * 60 + 10, to: 4 * 60 + 15 };

/** A small seeded generator (mulberry32), so the file is the same on every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const next = random(20261116);
const points: { at: string; count: number }[] = [];
for (let minute = 0; minute < MINUTES; minute += 1) {
  const wave = (1 + Math.cos((2 * Math.PI * (minute - PEAK_MINUTE)) / MINUTES)) / 2;
  const rps = (MIN_RPS + (MAX_RPS - MIN_RPS) * wave) * (1 + NOISE * (2 * next() - 1));
  if (minute >= SILENT.from && minute < SILENT.to) {
    continue;
  }
  const at = new Date(START + minute * 60_000).toISOString().replace(".000Z", "+00:00");
  points.push({ at, count: Math.round(rps * 60) });
}
points.reverse(); // newest first, as GetMetricData returns them by default

const indent = (n: number) => " ".repeat(n);
const lines = [
  "{",
  `${indent(4)}"MetricDataResults": [`,
  `${indent(8)}{`,
  `${indent(12)}"Id": "requests",`,
  `${indent(12)}"Label": "RequestCount",`,
  `${indent(12)}"Timestamps": [`,
  points.map((p) => `${indent(16)}"${p.at}"`).join(",\n"),
  `${indent(12)}],`,
  `${indent(12)}"Values": [`,
  points.map((p) => `${indent(16)}${p.count}.0`).join(",\n"),
  `${indent(12)}],`,
  `${indent(12)}"StatusCode": "Complete"`,
  `${indent(8)}}`,
  `${indent(4)}],`,
  `${indent(4)}"Messages": []`,
  "}",
];
process.stdout.write(`${lines.join("\n")}\n`);
