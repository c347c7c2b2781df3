import type { SwitchyardConfig } from "@switchyard/core";
import { dashboardBody } from "@switchyard/core/deploy";

/** Mode per service, weights, capacity errors by instance type, p95 latency, switches: core's dashboardBody. */
export function createDashboard(config: SwitchyardConfig): aws.cloudwatch.Dashboard {
  return new aws.cloudwatch.Dashboard("Dashboard", {
    dashboardName: `${$app.name}-${$app.stage}`,
    dashboardBody: dashboardBody(config),
  });
}
