// `npm run bench:hedge`: the cost–risk frontier of every bundled scenario with a Spot
// unit — Switchyard at each risk budget (policy.hedge.maxLossShare) beside the seed's
// controller, static weights and the oracle — and, for the scenarios whose Spot unit lists
// zones, the same budgets with the controller not told the zones (it plans the unit as one
// cell), which is what the hedge costs without them. The figures behind the default budget
// in docs/planning.md. A benchmark, not a test: it prints figures and never fails on them.
import { readdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import {
  hasSpotUnits,
  loadScenario,
  policiesNamed,
  referenceCosts,
  renderFrontierTable,
  reportOf,
  runPolicy,
  simulate,
  summarize,
  switchyardPolicyWith,
  withHedgeFrontier,
} from "@switchyard/sim";

const root = fileURLToPath(new URL("..", import.meta.url));
const folder = "examples/sd21/scenarios";
const LEVELS = [0, 0.05, 0.1, 0.25, 0.5, 1];
const read = (path: string) => readFile(path.startsWith("/") ? path : `${root}${path}`, "utf8");
const only = process.argv.slice(2);
const files = (await readdir(`${root}${folder}`))
  .filter((f) => f.endsWith(".yaml") && (only.length === 0 || only.some((o) => f.startsWith(o))))
  .sort();

for (const file of files) {
  const scenario = await loadScenario(`${folder}/${file}`, read);
  if (!hasSpotUnits(scenario)) continue;
  const baselines = await simulate(scenario, policiesNamed(["seed-reference", "static-cost", "oracle"]));
  const report = reportOf(await withHedgeFrontier(baselines, LEVELS));
  process.stdout.write(renderFrontierTable(scenario.name, report.frontier ?? []));
  if (!scenario.service.units.some((u) => u.zones !== undefined)) {
    process.stdout.write("\n");
    continue;
  }
  // The same scenario with the controller not told the zones: what the hedge costs without them.
  const costs = referenceCosts(scenario);
  const rows: string[] = [];
  for (const maxLossShare of LEVELS) {
    const result = await runPolicy(scenario, switchyardPolicyWith({ maxLossShare, zonesKnown: false }));
    const s = summarize(result, result.minutes, scenario, costs);
    rows.push(
      `  zones not known, hedge ${maxLossShare}: total cost $${s.totalCost.toFixed(2)}, ${s.sloViolationMinutes} SLO-violation min, ${Math.round(s.failedRequests).toLocaleString("en-US")} failed`,
    );
  }
  process.stdout.write(`${rows.join("\n")}\n\n`);
}
process.stdout.write(`node ${process.version}\n`);
