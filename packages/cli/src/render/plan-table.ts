import {
  costPerInferenceSecond,
  costPerMillionAtFullLoad,
  type DeploymentUnit,
  type HedgeSummary,
  type ServicePlan,
  type UnitPlan,
} from "@switchyard/core";
import type { ServicePlanReport } from "../commands/plan-report.ts";
import { num, usd } from "./numbers.ts";
import { type Column, textTable } from "./text-table.ts";

interface Row {
  readonly unit: DeploymentUnit;
  readonly adjusted: number;
  readonly plan: UnitPlan;
  /** The start-up allowance the KEDA targets leave below the safe rate. */
  readonly startupAllowance: number;
}

const WEIGHTING_TEXT: Record<ServicePlan["weighting"], (report: ServicePlanReport) => string> = {
  "cost-optimal": () => "least-cost whole pods, weights follow their capacity",
  fixed: () => "weights fixed by the config",
  consolidated: (report) => {
    const c = report.service.consolidatedService;
    return `round-robin per pod through Service ${c?.name}:${c?.port} at weight 100`;
  },
  "adjusted-throughput": () => "weights follow adjusted throughput × pods",
  "ready-pods": () => "weights follow what each unit's ready pods serve, pods sized to carry them",
};

const COLUMNS: readonly Column<Row>[] = [
  { header: "unit", cell: (r) => r.unit.name },
  { header: "$/h per RPS", align: "right", cell: (r) => costPerInferenceSecond(r.unit).toFixed(5) },
  { header: "$/M req full load", align: "right", cell: (r) => usd(costPerMillionAtFullLoad(r.unit)) },
  { header: "maxRps", align: "right", cell: (r) => num(r.unit.maxRps) },
  { header: "adjusted", align: "right", cell: (r) => r.adjusted.toFixed(1) },
  { header: "pods", align: "right", cell: (r) => String(r.plan.pods) },
  { header: "weight", align: "right", cell: (r) => (r.plan.weight === null ? "—" : String(r.plan.weight)) },
  { header: "safe RPS", align: "right", cell: (r) => num(r.plan.safeRps) },
  { header: "KEDA target", align: "right", cell: (r) => r.plan.kedaTarget },
  { header: "asks at", align: "right", cell: (r) => num(r.plan.safeRps / (1 + r.startupAllowance)) },
  { header: "load RPS", align: "right", cell: (r) => num(r.plan.plannedRps) },
  { header: "", cell: (r) => (r.plan.unavailable === undefined ? "" : `(${r.plan.unavailable})`) },
];

/** What a user reads first: per service, one table per mode, its bill and whether it holds. */
export function renderPlanTable(reports: readonly ServicePlanReport[]): string {
  return `${reports.map(renderService).join("\n\n")}\n`;
}

function renderService(report: ServicePlanReport): string {
  const { service } = report;
  const headroom = num(service.headroom * 100);
  const lines = [
    `${service.name} · Ingress ${service.namespace}/${service.ingress} · action ${service.action}`,
    `demand ${num(report.demandRps)} RPS (${report.demandSource}); plans cover ${num(report.demandRps * (1 + service.headroom))} RPS with ${headroom} % headroom`,
  ];
  for (const plan of report.plans) {
    lines.push("", `${plan.mode} mode — ${WEIGHTING_TEXT[plan.weighting](report)}`);
    const rows = plan.units.map((unitPlan, i): Row => {
      const unit = service.units[i] as DeploymentUnit;
      return {
        unit,
        adjusted: report.adjusted[i] ?? 0,
        plan: unitPlan,
        startupAllowance: plan.targetAllowance.startupAllowance,
      };
    });
    lines.push(textTable(rows, COLUMNS));
    lines.push(`  ${summary(plan)}`, `  ${targetArithmetic(report, plan)}`);
    if (plan.hedge !== undefined) {
      lines.push(`  ${hedgeLine(plan.hedge, plan.demandRps)}`);
    }
    for (const note of plan.notes) {
      lines.push(`  note: ${note}`);
    }
  }
  const cost = report.plans.find((p) => p.mode === "cost");
  const capacity = report.plans.find((p) => p.mode === "capacity");
  if (cost !== undefined && capacity !== undefined && cost.hourlyCost > 0) {
    const extra = capacity.hourlyCost - cost.hourlyCost;
    const direction = extra >= 0 ? "more" : "less";
    lines.push(
      "",
      `capacity mode costs ${usd(Math.abs(extra))}/h (${extra >= 0 ? "+" : "−"}${num((Math.abs(extra) / cost.hourlyCost) * 100, 0)} %) ${direction} than cost mode at ${num(report.demandRps)} RPS.`,
    );
  }
  return lines.join("\n");
}

/**
 * How the KEDA targets were set: the HPA adds a pod only once load per pod passes target
 * × (1 + tolerance), so the target is the safe rate ÷ (1 + tolerance) — ÷ (1 + headroom)
 * again when no forecast floor starts pods ahead of a ramp.
 */
function targetArithmetic(report: ServicePlanReport, plan: ServicePlan): string {
  const { scaleUpTolerance, startupAllowance } = plan.targetAllowance;
  const tolerance = `${num(scaleUpTolerance * 100)} %`;
  const base = `KEDA target = safe RPS ÷ ${num(1 + scaleUpTolerance, 2)} (the HPA adds a pod only past ${tolerance} over its target)`;
  const startup = Math.max(...report.service.units.map((u) => u.startupSeconds)) / 60;
  if (startupAllowance > 0) {
    return `${base} ÷ ${num(1 + startupAllowance, 2)} (no forecast floor: ${num(startupAllowance * 100)} % left for demand to grow while a pod starts), so each unit asks for a pod at asks-at RPS per pod`;
  }
  return `${base}, so each unit asks for a pod at its safe rate; the forecast floor starts pods up to ${num(startup)} min ahead of a forecast ramp`;
}

/** The hedge of a plan with Spot units: the loss that binds, what is left, and what it costs over the unhedged plan. */
function hedgeLine(hedge: HedgeSummary, demandRps: number): string {
  const cell = hedge.largestCell;
  const where =
    cell === null
      ? "no Spot pod is planned"
      : `losing ${cell.unit}${cell.zones > 1 ? ` in one of its ${cell.zones} zones` : ""} (${cell.pods} pod${cell.pods === 1 ? "" : "s"}, ${num(cell.lossRps)} RPS) binds: ${num(hedge.coverAfterLossRps)} RPS stay`;
  const cover =
    hedge.coverRps < hedge.requiredCoverRps - 1e-9
      ? `, short of demand × ${num(1 - hedge.maxLossShare, 2)} = ${num(hedge.requiredCoverRps)} (no plan keeps more than ${num(hedge.coverRps)})`
      : `, covering demand × ${num(1 - hedge.maxLossShare, 2)} = ${num(hedge.requiredCoverRps)}`;
  const extra =
    hedge.unhedgedHourlyCost > 0
      ? ` (+${num((hedge.extraHourlyCost / hedge.unhedgedHourlyCost) * 100, 1)} %)`
      : "";
  return `hedge (policy.hedge.maxLossShare ${hedge.maxLossShare}, at ${num(demandRps)} RPS): ${where}${cell === null ? "" : cover}; costs ${usd(hedge.extraHourlyCost, 4)}/h${extra} over the unhedged plan's ${usd(hedge.unhedgedHourlyCost, 4)}/h`;
}

function summary(plan: ServicePlan): string {
  const perMillion =
    plan.costPerMillion === null
      ? "no requests to price"
      : `${usd(plan.costPerMillion)} per million requests`;
  const verdict = plan.feasible ? "feasible" : `NOT feasible: short by ${num(plan.shortfallRps)} RPS`;
  return `${usd(plan.hourlyCost, 4)}/h · ${perMillion} · serves ${num(plan.capacityRps)} of ${num(plan.requiredRps)} RPS needed · ${verdict}`;
}
