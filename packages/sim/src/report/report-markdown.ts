import { type EpochMs, forecastScore, formatDuration, MINUTE, SECOND } from "@switchyard/core";
import type { ChartHeading } from "./charts.ts";
import { count, percentChange, seconds, shortUtc, usd, utc } from "./figures.ts";
import { frontierMarkdown } from "./hedge-frontier-report.ts";
import type { MinuteSeries } from "./minute-series.ts";
import type { PolicySummary } from "./policy-summary.ts";
import { noRatioBecause } from "./reference-costs.ts";
import type { PolicyReport, SimulationReport } from "./simulation-report.ts";
import { ratio, SUMMARY_HEADERS, summaryRows } from "./summary-table.ts";

/** report.md: the headline first, then the table, the charts, and what each policy did and why. */
export function reportMarkdown(report: SimulationReport, charts: readonly ChartHeading[]): string {
  const { scenario } = report;
  const lines: string[] = [];
  lines.push(`# Simulation: ${scenario.name}`, "");
  if (scenario.description !== null) {
    lines.push(scenario.description, "");
  }
  lines.push(
    `Service \`${scenario.service.name}\` from \`${scenario.configSource}\`, ${utc(scenario.start)} to ${utc(scenario.end)} in ${formatDuration(scenario.stepMs)} steps; SLO ${scenario.service.slo.statistic} ≤ ${scenario.service.slo.latencyMs} ms. Scenario: \`${scenario.source}\`. How the environment is modelled: docs/simulator.md.`,
    "",
  );
  lines.push("## In one minute", "", ...headline(report).map((s) => `- ${s}`), "");

  lines.push("## Results", "");
  const header = SUMMARY_HEADERS;
  lines.push(`| ${header.join(" | ")} |`, `|${header.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`);
  for (const row of summaryRows(report)) {
    lines.push(`| ${row.join(" | ")} |`);
  }
  lines.push("", ...referenceSection(report));
  lines.push(
    "",
    `- **$/M req**: total cost ÷ requests answered, per million. **SLO-violation min**: ${sloMinuteMeaning(scenario.service.slo.statistic)}`,
    "- **switches**: mode changes of the ALB's rule (failovers and fallbacks that took effect). **moves**: the policy's moves that took effect, of every kind — failover, fallback, rebalance, reroute, repair (each with its reasons below).",
    "- **failover decided**: from the first EC2 capacity error to the start of the failover. **traffic moved**: to the ALB routing in capacity mode — later when the failover waited for its receivers' pods (make-before-break: the failing unit still served). **fallback**: from the end of the last capacity window to the ALB routing in cost mode again; `early` when it was back in cost mode before capacity returned (routing around the pool that could not grow). — : did not happen.",
    "",
    "| policy | what it does |",
    "|---|---|",
    ...report.policies.map((p) => `| ${p.summary.name} | ${p.summary.description} |`),
    "",
  );

  if (report.frontier !== undefined) {
    lines.push(
      "## Cost–risk frontier",
      "",
      "Switchyard on the same scenario at each risk budget (`policy.hedge.maxLossShare`: the largest share of demand the loss of one Spot cell may leave without a serving pod), beside the baselines.",
      "",
      ...frontierMarkdown(report.frontier),
      "",
    );
  }
  lines.push("## Charts", "");
  for (const chart of charts) {
    lines.push(`### ${chart.title}`, "", `![${chart.title}](${chart.name}.png)`, "", chart.caption, "");
  }

  lines.push("## What each policy did, and why", "");
  for (const policy of report.policies) {
    lines.push(...policyLog(policy), "");
  }

  lines.push("## Scenario", "");
  lines.push(...scenarioFacts(report).map((s) => `- ${s}`), "");
  lines.push(
    "Files: `summary.json` (every figure), `timeline.csv` (every minute of every policy), the charts as SVG and PNG.",
    "",
  );
  return lines.join("\n");
}

function find(report: SimulationReport, name: string): PolicySummary | undefined {
  return report.policies.find((p) => p.summary.name === name)?.summary;
}

/** The sentences a reader needs first: what happened to the traffic and to the bill, and why. */
function headline(report: SimulationReport): string[] {
  const out: string[] = [];
  const oracle = find(report, "oracle");
  const seed = find(report, "seed-reference");
  const { scenario } = report;
  if (scenario.capacity.length > 0) {
    const types = [...new Set(scenario.capacity.map((w) => w.instanceType))].join(", ");
    const first = Math.min(...scenario.capacity.map((w) => w.from));
    const last = Math.max(...scenario.capacity.map((w) => w.to));
    out.push(
      `EC2 capacity trouble: no new ${types} in ${scenario.capacity.length} window${scenario.capacity.length === 1 ? "" : "s"} between ${shortUtc(first)} and ${shortUtc(last)} UTC${scenario.capacity.some((w) => w.podsLost) ? " (running pods lost when a window opens)" : ""}.`,
    );
  }
  for (const { summary: s } of report.policies) {
    const parts = [
      `**${s.name}**: ${usd(s.totalCost)} (${s.costPerMillion === null ? "—" : usd(s.costPerMillion)} per million requests)`,
    ];
    if (oracle !== undefined && s.name !== "oracle") {
      parts.push(`${percentChange(s.totalCost, oracle.totalCost)} vs the clairvoyant oracle`);
    }
    if (seed !== undefined && s.name === "switchyard") {
      parts.push(`${percentChange(s.totalCost, seed.totalCost)} vs the seed's controller`);
    }
    const service =
      s.sloViolationMinutes === 0 && s.failedRequests < 0.5
        ? "no SLO-violation minute, no failed request"
        : `${count(s.sloViolationMinutes)} SLO-violation minute${s.sloViolationMinutes === 1 ? "" : "s"}, ${count(s.failedRequests)} failed requests`;
    parts.push(service);
    const spans = violationSpans(report.policies.find((p) => p.summary.name === s.name)?.minutes);
    if (spans.length > 0) {
      parts.push(
        `SLO broken ${spans.slice(0, 3).join(", ")}${spans.length > 3 ? ` and ${spans.length - 3} more span${spans.length === 4 ? "" : "s"}` : ""}`,
      );
    }
    if (s.failoverSeconds !== null) {
      parts.push(
        s.failoverDecidedSeconds !== null && s.failoverDecidedSeconds !== s.failoverSeconds
          ? `decided to fail over ${seconds(s.failoverDecidedSeconds)} after the first capacity error and moved traffic ${seconds(s.failoverSeconds)} after it${s.name === "switchyard" ? ", once the receivers' pods were ready" : ""}`
          : `failed over ${seconds(s.failoverSeconds)} after the first capacity error`,
      );
    }
    const result = report.policies.find((p) => p.summary.name === s.name)?.result;
    const routedAround = (result?.moves ?? []).filter((m) => m.move === "reroute");
    const firstAround = routedAround[0];
    if (firstAround !== undefined && s.firstCapacityErrorAt !== null) {
      parts.push(
        `routed around the loss inside cost mode ${routedAround.length === 1 ? "once" : `${routedAround.length} times`}, first ${seconds(Math.max(0, (firstAround.decidedAt - s.firstCapacityErrorAt) / SECOND))} after the first capacity error (the frozen pool kept its pods; the cheapest pools that could grow took the rest)`,
      );
    }
    if (s.failoverAt !== null) {
      parts.push(
        s.fallbackAt === null
          ? "never fell back: stayed in capacity mode to the end"
          : s.fallbackSeconds === null
            ? `fell back at ${shortUtc(s.fallbackAt)}`
            : s.fallbackSeconds < 0
              ? `fell back ${seconds(-s.fallbackSeconds)} before capacity returned (early: cost mode served the demand with the lost pool frozen at its pods)`
              : `fell back ${seconds(s.fallbackSeconds)} after capacity returned`,
      );
    }
    out.push(`${parts.join("; ")}.`);
  }
  const forecast = forecastLine(report);
  if (forecast !== null) {
    out.push(forecast);
  }
  const stuck = report.policies.find(
    (p) => p.summary.name === "switchyard" && p.summary.failoverAt !== null && p.summary.fallbackAt === null,
  );
  const lastNote = stuck?.result.decisions[stuck.result.decisions.length - 1];
  if (lastNote !== undefined) {
    out.push(`Why switchyard stayed in capacity mode: ${lastNote.reasons.join("; ")}.`);
  }
  return out;
}

/**
 * How good switchyard's demand forecast was (what forecast-only mode is for): each
 * minute's forecast as made a pod start-up before it, against the demand that came.
 */
function forecastLine(report: SimulationReport): string | null {
  const policy = report.policies.find((p) => p.summary.name === "switchyard");
  const forecasts = policy?.result.forecasts ?? [];
  const first = forecasts[0];
  if (policy === undefined || first === undefined) {
    return null;
  }
  // The demand of each minute a forecast was made for, read from the minutes' columns.
  const m = policy.minutes;
  const demand = new Map<EpochMs, number>();
  for (const f of forecasts) {
    const i = m.indexAt(f.at);
    if (i < m.length && m.timeAt(i) === f.at) {
      demand.set(f.at, m.value(i, "demandRps"));
    }
  }
  const score = forecastScore(new Map(forecasts.map((f) => [f.at, f.rps])), demand);
  if (score === null) {
    return null;
  }
  const mode = report.scenario.service.forecast.mode;
  const lead = Math.round((first.at - first.madeAt) / SECOND / 60);
  const sign = score.biasPercent >= 0 ? "+" : "−";
  return `Forecast (${mode}; each minute forecast ${lead} min ahead, a pod start-up): off by ${score.meanAbsoluteErrorPercent.toFixed(1)} % of demand on average over ${count(score.minutes)} minutes, bias ${sign}${Math.abs(score.biasPercent).toFixed(1)} % (above 0: forecast high, pods paid for ahead; below 0: low, KEDA catches up).`;
}

/** What an SLO-violation minute is, for the SLO's statistic. */
function sloMinuteMeaning(statistic: string): string {
  if (statistic === "average") {
    return "minutes in which the mean response time of answered requests was over the objective, or more than 5 % of requests failed.";
  }
  const tail = 100 - Number(statistic.slice(1));
  return `minutes in which more than the SLO's tail (${Number(tail.toFixed(3))} % for ${statistic}) of requests were slower than the objective or failed, i.e. the minute's ${statistic} over all requests, failed ones counted as too slow, was over the objective.`;
}

/** The floor and the lower bound, each policy's cost above the floor, and a warning if the bound is broken. */
function referenceSection(report: SimulationReport): string[] {
  const { reference } = report;
  const boundAbove = reference.lowerBoundCost - reference.floorCost;
  const lines = [
    `Two reference figures, from the scenario alone: the **floor**, ${usd(reference.floorCost)}, is what the pods \`minReplicaCount\` keeps cost whatever a policy does (not while a window has taken their pool's pods, nor while the recreated pods may still wait for Karpenter to retry the offering); the **lower bound**, ${usd(reference.lowerBoundCost)}, is for each minute the cheapest whole pods that serve that minute's demand at their breaking points (\`maxRps\`) with the capacity available then, started instantly, with no headroom — no policy that keeps every pod within its breaking point can pay less. The oracle is a policy (it knows the future, but pays for start-up and headroom), not a bound.${
      reference.infeasibleSteps > 0
        ? ` In ${count(reference.infeasibleSteps)} step${reference.infeasibleSteps === 1 ? "" : "s"} demand was beyond every pod the capacity allowed; the bound counts all of them there.`
        : ""
    }`,
    "",
  ];
  if (reference.boundBrokenBy.length > 0) {
    lines.push(
      `**The lower bound is broken**: ${reference.boundBrokenBy.join(", ")} served every request for less than ${usd(reference.lowerBoundCost)}. The bound or the simulator is wrong; please report it with this scenario.`,
      "",
    );
  }
  const why = noRatioBecause(reference);
  if (why === null) {
    lines.push(
      `| policy | total cost | cost above the floor | ratio to the lower bound's (${usd(boundAbove)}) |`,
      "|---|---:|---:|---:|",
      ...report.policies.map(
        ({ summary: s }) =>
          `| ${s.name} | ${usd(s.totalCost)} | ${usd(s.costAboveFloor)} | ${ratio(s.costAboveFloorRatio)} |`,
      ),
    );
  } else {
    lines.push(
      "| policy | total cost | cost above the floor |",
      "|---|---:|---:|",
      ...report.policies.map(
        ({ summary: s }) => `| ${s.name} | ${usd(s.totalCost)} | ${usd(s.costAboveFloor)} |`,
      ),
      "",
      `No ratio to the lower bound's cost above the floor: ${why}; compare the costs above the floor.`,
    );
  }
  return lines;
}

/** Runs of consecutive SLO-violation minutes, as `14 Nov 11:00–11:08`. */
function violationSpans(minutes: MinuteSeries | undefined): string[] {
  const spans: string[] = [];
  let first: EpochMs | null = null;
  let last: EpochMs | null = null;
  const close = () => {
    if (first !== null && last !== null) {
      spans.push(`${shortUtc(first)}–${new Date(last + MINUTE).toISOString().slice(11, 16)}`);
    }
  };
  for (let i = 0; i < (minutes?.length ?? 0); i += 1) {
    if (!minutes?.violatedAt(i)) {
      continue;
    }
    const at = minutes.timeAt(i);
    if (last !== null && at - last === MINUTE) {
      last = at;
    } else {
      close();
      first = at;
      last = at;
    }
  }
  close();
  return spans;
}

function policyLog(policy: PolicyReport): string[] {
  const { summary: s, result } = policy;
  const lines = [`### ${s.name}`, ""];
  if (result.moves.length === 0) {
    lines.push("No move: the routing set at the start stayed all run.");
  } else {
    lines.push("| decided | move | traffic moved | outcome | why |", "|---|---|---|---|---|");
    for (const m of result.moves) {
      const why = [...m.reasons, ...m.notes].join("; ").replaceAll("|", "\\|");
      lines.push(
        `| ${shortUtc(m.decidedAt)} | ${m.move} ${m.from}→${m.to} | ${m.appliedAt === null ? "—" : shortUtc(m.appliedAt)} | ${m.outcome} | ${why} |`,
      );
    }
  }
  const notes = result.decisions.filter((d) => d.kind.startsWith("stay") && d.reasons.length > 0);
  if (notes.length > 0) {
    lines.push("", "While it stayed, the reasons changed as follows (first 12):", "");
    for (const d of notes.slice(0, 12)) {
      lines.push(`- ${shortUtc(d.at)} ${d.kind}: ${d.reasons.join("; ")}`);
    }
  }
  if (result.failures.length > 0) {
    lines.push(
      "",
      `Control-plane failures: ${result.failures.length}; the first: ${shortUtc(result.failures[0]?.at ?? 0)} ${result.failures[0]?.message ?? ""}`,
    );
  }
  return lines;
}

function scenarioFacts(report: SimulationReport): string[] {
  const { scenario } = report;
  const d = scenario.demand;
  const demand =
    d.kind === "constant"
      ? `constant ${d.rps} RPS`
      : d.kind === "cosine"
        ? `cosine ${d.min}–${d.max} RPS, period ${formatDuration(d.periodMs)}, first peak ${utc(d.peakAt)}`
        : d.kind === "steps"
          ? `steps: ${d.steps.map((s) => `${s.rps} RPS from ${shortUtc(s.at)}`).join(", ")}`
          : d.trace === undefined
            ? `per-minute RPS from ${d.file}`
            : `recorded ${d.trace.label} from ${d.file} (${d.trace.format}, ${d.trace.datapoints} datapoints of ${formatDuration(d.trace.periodSeconds * SECOND)}, replayed from ${utc(d.trace.traceStart)}); ${d.trace.emptyMinutes} minute${d.trace.emptyMinutes === 1 ? "" : "s"} with no datapoint, replayed as no traffic`;
  const facts = [
    `Demand: ${demand}${scenario.noise.percent > 0 ? ` ± ${scenario.noise.percent} % noise (seed ${scenario.noise.seed})` : ""}.`,
  ];
  for (const w of scenario.capacity) {
    facts.push(
      `No new ${w.instanceType} from ${shortUtc(w.from)} to ${shortUtc(w.to)}${w.podsLost ? ", running pods lost" : ""}.`,
    );
  }
  const startup = Object.entries(scenario.podStartup.byInstanceType)
    .map(([type, ms]) => `${type} ${formatDuration(ms)}`)
    .join(", ");
  facts.push(
    `Pod start-up: ${formatDuration(scenario.podStartup.defaultMs)}${startup === "" ? "" : ` (${startup})`}.`,
  );
  const l = scenario.latency;
  facts.push(
    `Latency: p95 = latencyMs × (${l.idleFraction} + ${(1 - l.idleFraction).toFixed(2)} × u^${l.curveExponent}) up to the breaking point, +${l.overloadSlope} × latencyMs per unit of overload, throughput plateau at ${l.saturation} × maxRps, queue bound ${l.queueSeconds} s, spread σ ${l.spread}.`,
  );
  facts.push(
    `KEDA/HPA every ${formatDuration(scenario.keda.pollingMs)}, tolerance ${scenario.keda.tolerance}, scale-down stabilization ${formatDuration(scenario.keda.scaleDownStabilizationMs)}; ALB rule lag ${formatDuration(scenario.alb.ruleLagMs)}; Karpenter retries a failed offering after ${formatDuration(scenario.karpenter.offeringCacheMs)}; CloudTrail delay ${formatDuration(scenario.karpenter.cloudTrailDelayMs)}; CloudWatch publishes a minute ${formatDuration(scenario.cloudwatch.publishDelayMs)} after it ends.`,
  );
  return facts;
}
