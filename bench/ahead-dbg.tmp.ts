import { readFile } from "node:fs/promises";
import { loadScenario, policiesNamed, simulate } from "@switchyard/sim";

const scenario = await loadScenario("examples/llama31-8b/scenarios/llm-wave.yaml", (p: string) =>
  readFile(p, "utf8"),
);
(globalThis as any).__dbg = (at: number, floors: any) => {
  const iso = new Date(at).toISOString();
  if (iso >= "2025-05-21T05:44" && iso <= "2025-05-21T05:49") {
    const f = floors.forecast;
    console.log(
      iso,
      "days",
      f.days,
      "level",
      f.level?.toFixed(3),
      "trend",
      JSON.stringify(f.trend),
      "seasonal0",
      f.seasonal[0]?.toFixed(1),
      "s15",
      f.seasonal[15]?.toFixed(1),
    );
  }
};
await simulate(scenario, policiesNamed(["switchyard"]));
