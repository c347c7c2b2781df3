import { MODE_SWITCH_STEPS } from "@switchyard/core/workflow";

/**
 * The Lambda handlers in functions/, by file name: `evaluate` and the workflow's steps
 * (core's list, which the ASL invokes). The one list build, bench and infra read.
 */
export const HANDLERS = ["evaluate", ...MODE_SWITCH_STEPS] as const;

export type HandlerName = (typeof HANDLERS)[number];
