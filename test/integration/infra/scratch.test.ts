import { it } from "vitest";
import { runStack } from "./sst-stack.ts";

it("runs", async () => {
  const t0 = Date.now();
  const r = await runStack("us-west-2");
  console.log("ran", Date.now() - t0, r.outputs, r.rpc);
  console.log(r.resources.map((x) => `${x.type} ${x.name}`).join("\n"));
  console.log([...new Set(r.invokes.map((x) => x.token))]);
}, 120_000);
