import { z } from "zod";
import { ScenarioSchema } from "./schema.ts";

const SCENARIO_SCHEMA_ID = "https://switchyard.dev/schema/scenario.schema.json";

/** The JSON Schema editors use for scenario files, generated from the zod schema (input shape: defaults optional). */
export function scenarioJsonSchema(): Record<string, unknown> {
  return { ...z.toJSONSchema(ScenarioSchema, { io: "input" }), $id: SCENARIO_SCHEMA_ID };
}
