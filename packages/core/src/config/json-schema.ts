import { z } from "zod";
import { SwitchyardConfigSchema } from "./schema.ts";

const CONFIG_SCHEMA_ID = "https://switchyard.dev/schema/switchyard.schema.json";

/** The JSON Schema editors use for config files, generated from the zod schema (input shape: defaults optional). */
export function configJsonSchema(): Record<string, unknown> {
  return { ...z.toJSONSchema(SwitchyardConfigSchema, { io: "input" }), $id: CONFIG_SCHEMA_ID };
}

/** Stable text for the committed file: two-space JSON and a final newline. */
export function renderJsonSchema(schema: Record<string, unknown>): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}
