/** The Lambda handlers in functions/, by file name: the one list build, bench and infra read. */
export const HANDLERS = [
  "evaluate",
  "plan-switch",
  "apply-scaling",
  "check-receivers",
  "apply-routing",
  "verify-routing",
  "release-holds",
  "rollback",
] as const;

export type HandlerName = (typeof HANDLERS)[number];
