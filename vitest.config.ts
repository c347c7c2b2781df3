import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
    testTimeout: 20_000,
    // The functions' Powertools logger and metrics are created when a handler module loads;
    // keep test output readable. POWERTOOLS_METRICS_DISABLED stops Metrics writing its EMF
    // lines to stdout (it wins over POWERTOOLS_DEV, which the Lambda environment double sets
    // to false); a test that reads the EMF lines sets it to "false" around its own Metrics.
    env: { POWERTOOLS_LOG_LEVEL: "SILENT", POWERTOOLS_METRICS_DISABLED: "true" },
  },
});
