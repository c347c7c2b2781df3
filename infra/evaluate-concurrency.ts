/**
 * The evaluate function's reserved concurrency: one evaluation at a time. Two side by
 * side (the schedule and a CloudTrail rule firing together, on either side of a minute)
 * would each read a history without the other's execution and start two moves under two
 * names (the name is the idempotency key only within a minute). EventBridge invokes
 * asynchronously: an invocation over the reservation is throttled and stays in Lambda's
 * event queue, which retries it for up to six hours, so no event is lost; each runs after
 * the one before it and sees its execution. Kept apart from controller.ts so tests can
 * read it without SST's globals.
 */
export const EVALUATE_RESERVED_CONCURRENCY = 1;
