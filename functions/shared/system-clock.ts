import type { Clock } from "@switchyard/core/ports";

export const systemClock: Clock = { now: () => Date.now() };
