import { jsonText } from "@switchyard/core";
import { renderChart } from "./chart-renderer.ts";
import { chartsOf } from "./charts.ts";
import { reportMarkdown } from "./report-markdown.ts";
import type { SimulationReport } from "./simulation-report.ts";
import { summaryJson } from "./summary-table.ts";
import { timelineCsvChunks } from "./timeline-csv.ts";

/** A report file's content: text, bytes, or text in chunks (written as they are made). */
export type ReportContent = string | Uint8Array | Iterable<string>;

/**
 * Every file of a report folder, by name, one at a time: report.md, summary.json,
 * timeline.csv (in chunks), each chart as SVG and PNG. Each chart is drawn when its turn
 * comes, so a caller that writes each file before asking for the next holds one at most.
 */
export async function* reportFiles(report: SimulationReport): AsyncGenerator<[string, ReportContent]> {
  const charts = chartsOf(report);
  yield ["report.md", reportMarkdown(report, charts)];
  yield ["summary.json", jsonText(fullSummary(report))];
  yield ["timeline.csv", timelineCsvChunks(report)];
  for (const chart of charts) {
    const rendered = await renderChart(chart.spec);
    yield [`${chart.name}.svg`, rendered.svg];
    yield [`${chart.name}.png`, rendered.png];
  }
}

/** summary.json: the `--output json` contract plus every figure behind it and each policy's moves. */
function fullSummary(report: SimulationReport): Record<string, unknown> {
  const contract = summaryJson(report);
  return {
    ...contract,
    source: report.scenario.source,
    start: new Date(report.scenario.start).toISOString(),
    end: new Date(report.scenario.end).toISOString(),
    details: report.policies.map(({ summary, result }) => ({
      ...summary,
      firstCapacityErrorAt: iso(summary.firstCapacityErrorAt),
      failoverAt: iso(summary.failoverAt),
      capacityBackAt: iso(summary.capacityBackAt),
      fallbackAt: iso(summary.fallbackAt),
      moves: result.moves.map((m) => ({ ...m, decidedAt: iso(m.decidedAt), appliedAt: iso(m.appliedAt) })),
      controlPlaneFailures: result.failures.length,
    })),
  };
}

function iso(at: number | null): string | null {
  return at === null ? null : new Date(at).toISOString();
}
