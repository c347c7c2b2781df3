// Regenerates the committed JSON Schemas from their zod sources (`npm run schema`).
// test/unit/core/config.test.ts and test/unit/sim/scenario.test.ts fail when a committed file is out of date.
import { writeFileSync } from "node:fs";
import { configJsonSchema, renderJsonSchema } from "@switchyard/core";
import { scenarioJsonSchema } from "@switchyard/sim";

const schemas = [
  { file: "../schema/switchyard.schema.json", schema: configJsonSchema() },
  { file: "../schema/scenario.schema.json", schema: scenarioJsonSchema() },
];
for (const { file, schema } of schemas) {
  const target = new URL(file, import.meta.url);
  writeFileSync(target, renderJsonSchema(schema));
  process.stdout.write(`wrote ${target.pathname}\n`);
}
