/**
 * Registers the aws-sdk-client-mock-vitest matchers (toHaveReceivedCommandTimes, …)
 * for a test file that imports this module, and declares their types on vitest's
 * `expect`. Importing it twice is harmless: `expect.extend` replaces the same names.
 */
import { allCustomMatcher, type CustomMatcher } from "aws-sdk-client-mock-vitest";
import { expect } from "vitest";

declare module "vitest" {
  interface Matchers<R, T> extends CustomMatcher<R, T> {}
}

expect.extend(allCustomMatcher);
