import { HOUR, MOVES } from "@switchyard/core";
import type { MoveRecord } from "../policies/compared-policy.ts";
import { count, seconds, shortUtc, usd } from "./figures.ts";
import { noRatioBecause } from "./reference-costs.ts";
import type { SimulationReport } from "./simulation-report.ts";

/** The comparison's columns, shared by the terminal table and report.md. */
export const SUMMARY_HEADERS = [
  "policy",
  "$/M req",
  "total cost",
  "SLO-violation min",
  "failed requests",
  "switches",
  "moves",
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
    count(s.moves),
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
    "switches: mode changes of the ALB's rule; moves: the policy's moves that took effect, of every kind (failover, fallback, rebalance, reroute, repair); failover decided: first capacity error → the failover starts; traffic moved: → ALB routing in capacity mode; fallback: capacity back → ALB routing in cost mode (early: back in cost mode before capacity returned)",
    ...movesLines(report),
    ...referenceLines(report),
    "",
  ].join("\n");
}

/**
 * Each policy that moved: its moves that took effect by kind (`switchyard 35 (1 failover,
 * 1 fallback, 33 rebalances)`), then each mode switch and each reroute around a loss it
 * decided, with its outcome (the first four of a policy), so the first run shows what
 * happened, not only counts — a hedged plan answers a Spot warning with a reroute, not a
 * failover.
 */
function movesLines(report: SimulationReport): string[] {
  const moved = report.policies.filter(({ summary: s }) => s.moves > 0);
  const lines =
    moved.length === 0
      ? []
      : [
          `moves that took effect: ${moved
            .map(({ summary: s }) => {
              const kinds = MOVES.filter((move) => s.movesByKind[move] > 0).map(
                (move) => `${count(s.movesByKind[move])} ${move}${s.movesByKind[move] === 1 ? "" : "s"}`,
              );
              return `${s.name} ${count(s.moves)} (${kinds.join(", ")})`;
            })
            .join("; ")}`,
        ];
  const switched = report.policies
    .map(({ summary, result }) => ({
      name: summary.name,
      switches: result.moves.filter((m) => ANSWERS.has(m.move)),
    }))
    .filter((p) => p.switches.length > 0);
  if (switched.length > 0) {
    lines.push(
      `mode switches and reroutes: ${switched
        .map(
          ({ name, switches }) =>
            `${name} ${switches
              .slice(0, 4)
              .map(
                (m) =>
                  `${m.move} ${shortUtc(m.decidedAt)} ${OUTCOME[m.outcome]}${m.appliedAt === null ? "" : ` (Ingress patched ${shortUtc(m.appliedAt).slice(-5)})`}`,
              )
              .join(", ")}${switches.length > 4 ? ` and ${switches.length - 4} more` : ""}`,
        )
        .join("; ")}`,
    );
  }
  return lines;
}

/** The moves the switch line lists: the mode switches, and reroutes around a loss. */
const ANSWERS: ReadonlySet<MoveRecord["move"]> = new Set(["failover", "fallback", "reroute"]);

/** A move's outcome as the switch line says it. */
const OUTCOME: Readonly<Record<MoveRecord["outcome"], string>> = {
  succeeded: "succeeded",
  failed: "failed and was rolled back",
  running: "still running at the end",
  superseded: "superseded by a newer move",
};

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
    costAboveFloorLine(report),
  ];
  if (reference.boundBrokenBy.length > 0) {
    lines.push(
      `LOWER BOUND BROKEN: ${reference.boundBrokenBy.join(", ")} served every request for less than ${usd(reference.lowerBoundCost)}; the bound or the simulator is wrong, please report it`,
    );
  }
  return lines;
}

/** Each policy's cost above the floor, with its ratio to the lower bound's where that means something, or why not. */
function costAboveFloorLine(report: SimulationReport): string {
  const why = noRatioBecause(report.reference);
  const bound = usd(report.reference.lowerBoundCost - report.reference.floorCost);
  return `cost above the floor (${why === null ? `as a ratio to the lower bound's ${bound}` : `no ratio: ${why}`}): ${report.policies
    .map(
      ({ summary: s }) =>
        `${s.name} ${usd(s.costAboveFloor)}${s.costAboveFloorRatio === null ? "" : ` (${ratio(s.costAboveFloorRatio)})`}`,
    )
    .join(", ")}`;
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
    moves: number;
    movesByKind: Record<string, number>;
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
      moves: s.moves,
      movesByKind: { ...s.movesByKind },
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
