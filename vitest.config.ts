import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
    testTimeout: 20_000,
    // The functions' Powertools logger is created when a handler module loads; keep test output readable.
    env: { POWERTOOLS_LOG_LEVEL: "SILENT" },
  },
});
