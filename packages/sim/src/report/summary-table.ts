import { HOUR } from "@switchyard/core";
import { count, seconds, usd } from "./figures.ts";
import type { SimulationReport } from "./simulation-report.ts";

/** The comparison's columns, shared by the terminal table and report.md. */
export const SUMMARY_HEADERS = [
  "policy",
  "$/M req",
  "total cost",
  "SLO-violation min",
  "failed requests",
  "switches",
  "failover decided",
  "traffic moved",
  "fallback",
] as const;

/** The rows of the comparison, as text cells. */
export function summaryRows(report: SimulationReport): string[][] {
  return report.policies.map(({ summary: s }) => [
    s.name,
    s.costPerMillion === null ? "—" : usd(s.costPerMillion),
    usd(s.totalCost),
    count(s.sloViolationMinutes),
    count(s.failedRequests),
    count(s.switches),
    seconds(s.failoverDecidedSeconds),
    seconds(s.failoverSeconds),
    seconds(s.fallbackSeconds),
  ]);
}

/** The table `switchyard simulate` prints: one row per policy, numbers right-aligned. */
export function renderSummaryTable(report: SimulationReport): string {
  const rows = [SUMMARY_HEADERS.slice() as string[], ...summaryRows(report)];
  const widths = SUMMARY_HEADERS.map((_, c) => Math.max(...rows.map((row) => (row[c] ?? "").length)));
  const line = (row: readonly string[]) =>
    row
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0)))
      .join("  ")
      .trimEnd();
  const { scenario } = report;
  const hours = (scenario.end - scenario.start) / HOUR;
  return [
    `${scenario.name} · service ${scenario.service.name} · ${hours} h from ${new Date(scenario.start).toISOString().slice(0, 16).replace("T", " ")} UTC · SLO ${scenario.service.slo.statistic} ${scenario.service.slo.latencyMs} ms`,
    line(rows[0] as string[]),
    ...rows.slice(1).map(line),
    "failover decided: first capacity error → the failover starts; traffic moved: → ALB routing in capacity mode; fallback: capacity back → ALB routing in cost mode (early: back in cost mode before capacity returned)",
    ...referenceLines(report),
    "",
  ].join("\n");
}

/**
 * The floor, the lower bound and each policy's cost above the floor (with its ratio to
 * the bound's), as the lines under the table; a line saying so when the bound is broken.
 */
export function referenceLines(report: SimulationReport): string[] {
  const { reference } = report;
  const lines = [
    `floor ${usd(reference.floorCost)} (the pods minReplicaCount keeps) · lower bound ${usd(reference.lowerBoundCost)} (each minute the cheapest whole pods that serve its demand at their breaking points with the capacity then, started instantly, no headroom)${
      reference.infeasibleSteps > 0
        ? `; ${count(reference.infeasibleSteps)} step${reference.infeasibleSteps === 1 ? "" : "s"} of demand beyond every pod allowed, counted at all of them`
        : ""
    }`,
    `cost above the floor (as a ratio to the lower bound's ${usd(reference.lowerBoundCost - reference.floorCost)}): ${report.policies
      .map(({ summary: s }) => `${s.name} ${usd(s.costAboveFloor)} (${ratio(s.costAboveFloorRatio)})`)
      .join(", ")}`,
  ];
  if (reference.boundBrokenBy.length > 0) {
    lines.push(
      `LOWER BOUND BROKEN: ${reference.boundBrokenBy.join(", ")} served every request for less than ${usd(reference.lowerBoundCost)}; the bound or the simulator is wrong, please report it`,
    );
  }
  return lines;
}

/** 1.234 → "1.23×"; null → "—". */
export function ratio(value: number | null): string {
  return value === null ? "—" : `${value.toFixed(2)}×`;
}

/** The `--output json` contract: nulls where a figure does not apply. */
export function summaryJson(report: SimulationReport): {
  scenario: string;
  floorCost: number;
  lowerBoundCost: number;
  lowerBoundBrokenBy: string[];
  policies: {
    name: string;
    costPerMillion: number | null;
    totalCost: number;
    costAboveFloor: number;
    costAboveFloorRatio: number | null;
    sloViolationMinutes: number;
    failedRequests: number;
    switches: number;
    failoverDecidedSeconds: number | null;
    failoverSeconds: number | null;
    fallbackSeconds: number | null;
  }[];
} {
  return {
    scenario: report.scenario.name,
    floorCost: round(report.reference.floorCost, 2),
    lowerBoundCost: round(report.reference.lowerBoundCost, 2),
    lowerBoundBrokenBy: [...report.reference.boundBrokenBy],
    policies: report.policies.map(({ summary: s }) => ({
      name: s.name,
      costPerMillion: s.costPerMillion === null ? null : round(s.costPerMillion, 4),
      totalCost: round(s.totalCost, 2),
      costAboveFloor: round(s.costAboveFloor, 2),
      costAboveFloorRatio: s.costAboveFloorRatio === null ? null : round(s.costAboveFloorRatio, 3),
      sloViolationMinutes: s.sloViolationMinutes,
      failedRequests: Math.round(s.failedRequests),
      switches: s.switches,
      failoverDecidedSeconds: s.failoverDecidedSeconds,
      failoverSeconds: s.failoverSeconds,
      fallbackSeconds: s.fallbackSeconds,
    })),
  };
}

function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}
