import { count, usd } from "./figures.ts";
import type { PolicySummary } from "./policy-summary.ts";

/** One point of the cost–risk frontier: Switchyard at one risk budget, or a baseline beside it. */
export interface FrontierRow {
  /** `switchyard (hedge 0.1)`, or a baseline's name. */
  readonly label: string;
  /** The run's policy.hedge.maxLossShare; null for a baseline. */
  readonly maxLossShare: number | null;
  readonly totalCost: number;
  readonly costPerMillion: number | null;
  readonly sloViolationMinutes: number;
  readonly failedRequests: number;
}

/** The baselines a frontier is read against: the seed's controller, static weights, the oracle. */
const FRONTIER_BASELINES = ["seed-reference", "static-cost", "oracle"] as const;

/** The frontier's rows: Switchyard's runs in the order of their budgets, then the baselines of the report. */
export function frontierRows(
  points: readonly { readonly maxLossShare: number; readonly summary: PolicySummary }[],
  baselines: readonly PolicySummary[],
): FrontierRow[] {
  const row = (label: string, maxLossShare: number | null, s: PolicySummary): FrontierRow => ({
    label,
    maxLossShare,
    totalCost: s.totalCost,
    costPerMillion: s.costPerMillion,
    sloViolationMinutes: s.sloViolationMinutes,
    failedRequests: s.failedRequests,
  });
  return [
    ...[...points]
      .sort((a, b) => a.maxLossShare - b.maxLossShare)
      .map((p) => row(`switchyard (hedge ${p.maxLossShare})`, p.maxLossShare, p.summary)),
    ...FRONTIER_BASELINES.flatMap((name) => {
      const s = baselines.find((b) => b.name === name);
      return s === undefined ? [] : [row(name, null, s)];
    }),
  ];
}

const HEADERS = [
  "run",
  "maxLossShare",
  "total cost",
  "$/M req",
  "SLO-violation min",
  "failed requests",
] as const;

function cells(row: FrontierRow): string[] {
  return [
    row.label,
    row.maxLossShare === null ? "—" : String(row.maxLossShare),
    usd(row.totalCost),
    row.costPerMillion === null ? "—" : usd(row.costPerMillion),
    count(row.sloViolationMinutes),
    count(row.failedRequests),
  ];
}

/** The frontier as `switchyard simulate --hedge` prints it, numbers right-aligned. */
export function renderFrontierTable(scenarioName: string, rows: readonly FrontierRow[]): string {
  const table = [HEADERS.slice() as string[], ...rows.map(cells)];
  const widths = HEADERS.map((_, c) => Math.max(...table.map((r) => (r[c] ?? "").length)));
  const line = (r: readonly string[]) =>
    r
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0)))
      .join("  ")
      .trimEnd();
  return [
    `${scenarioName} · cost–risk frontier: Switchyard at each policy.hedge.maxLossShare, beside the baselines`,
    ...table.map(line),
    "maxLossShare: the largest share of demand one Spot cell's loss may leave without a serving pod (0 covers any one loss, 1 is no hedge)",
    "",
  ].join("\n");
}

/** The frontier as a Markdown table, for report.md. */
export function frontierMarkdown(rows: readonly FrontierRow[]): string[] {
  return [
    `| ${HEADERS.join(" | ")} |`,
    `|${HEADERS.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`,
    ...rows.map((row) => `| ${cells(row).join(" | ")} |`),
  ];
}
