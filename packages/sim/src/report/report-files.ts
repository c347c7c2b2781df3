import { jsonText } from "@switchyard/core";
import { renderChart } from "./chart-renderer.ts";
import { chartsOf } from "./charts.ts";
import { reportMarkdown } from "./report-markdown.ts";
import type { SimulationReport } from "./simulation-report.ts";
import { summaryJson } from "./summary-table.ts";
import { timelineCsv } from "./timeline-csv.ts";

/** Every file of a report folder, by name: report.md, summary.json, timeline.csv, each chart as SVG and PNG. */
export async function reportFiles(report: SimulationReport): Promise<Map<string, string | Uint8Array>> {
  const files = new Map<string, string | Uint8Array>();
  const charts = chartsOf(report);
  for (const chart of charts) {
    const rendered = await renderChart(chart.spec);
    files.set(`${chart.name}.svg`, rendered.svg);
    files.set(`${chart.name}.png`, rendered.png);
  }
  files.set("report.md", reportMarkdown(report, charts));
  files.set("summary.json", jsonText(fullSummary(report)));
  files.set("timeline.csv", timelineCsv(report));
  return files;
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
