import type { Clock } from "@switchyard/core";

export const systemClock: Clock = { now: () => Date.now() };
