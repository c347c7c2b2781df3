import type { HandlerName } from "../scripts/handlers.ts";

/**
 * PascalCase component names, the prefix of every resource a function's components
 * create: `plan-switch` → `PlanSwitch` (`PlanSwitchFunction`, `PlanSwitchClusterAccess`).
 * Kept apart from controller.ts so tests can read it without SST's globals.
 */
export function componentName(name: HandlerName): string {
  return name.replace(/(^|-)([a-z])/g, (_, __, letter: string) => letter.toUpperCase());
}
