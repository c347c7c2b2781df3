// Regenerates the committed JSON Schemas from their zod sources (`npm run schema`).
// test/unit/core/json-schema.test.ts fails when a committed file is out of date.
import { writeFileSync } from "node:fs";
import { configJsonSchema, renderJsonSchema } from "@switchyard/core";

const target = new URL("../schema/switchyard.schema.json", import.meta.url);
writeFileSync(target, renderJsonSchema(configJsonSchema()));
process.stdout.write(`wrote ${target.pathname}\n`);
