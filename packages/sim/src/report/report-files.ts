import { jsonText } from "@switchyard/core";
import { renderChart } from "./chart-renderer.ts";
import { type ChartHeading, chartMakers } from "./charts.ts";
import { reportMarkdown } from "./report-markdown.ts";
import type { SimulationReport } from "./simulation-report.ts";
import { summaryJson } from "./summary-table.ts";
import { timelineCsvChunks } from "./timeline-csv.ts";

/** A report file's content: text, bytes, or text in chunks (written as they are made). */
type ReportContent = string | Uint8Array | Iterable<string>;

/**
 * Every file of a report folder, by name, one at a time: report.md, summary.json,
 * timeline.csv (in chunks), each chart as SVG and PNG. Each chart is built and drawn when
 * its turn comes, so a caller that writes each file before asking for the next holds one
 * chart at most; report.md, which names them all, comes last.
 */
export async function* reportFiles(report: SimulationReport): AsyncGenerator<[string, ReportContent]> {
  yield ["summary.json", jsonText(fullSummary(report))];
  yield ["timeline.csv", timelineCsvChunks(report)];
  const drawn: ChartHeading[] = [];
  for (const make of chartMakers(report)) {
    const { spec, ...heading } = make();
    const rendered = await renderChart(spec);
    drawn.push(heading);
    yield [`${heading.name}.svg`, rendered.svg];
    yield [`${heading.name}.png`, rendered.png];
  }
  yield ["report.md", reportMarkdown(report, drawn)];
}

/** summary.json: the `--output json` contract plus every figure behind it and each policy's moves. */
function fullSummary(report: SimulationReport): Record<string, unknown> {
  const contract = summaryJson(report);
  return {
    ...contract,
    ...(report.frontier === undefined ? {} : { frontier: report.frontier }),
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
