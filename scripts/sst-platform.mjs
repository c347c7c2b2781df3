#!/usr/bin/env node
// Extracts SST's platform (component sources and `config.d.ts`) into `.sst/platform`
// without network access to Pulumi or bun, so `tsc` can check `sst.config.ts` and
// `infra/` against the real component types. `sst deploy` itself is never run here.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const platform = join(root, ".sst", "platform", "config.d.ts");
const generated = join(root, ".sst", "types.generated.ts");

if (!existsSync(platform)) {
  process.stderr.write("sst-platform: extracting SST platform types into .sst/platform\n");
  execFileSync("npx", ["--no-install", "sst", "install"], {
    cwd: root,
    stdio: ["ignore", "inherit", "inherit"],
    env: {
      ...process.env,
      SST_STAGE: process.env.SST_STAGE ?? "dev",
      SST_TELEMETRY_DISABLED: "1",
      SST_SKIP_DEPENDENCY_CHECK: "1",
      SST_NO_BUN: "1",
    },
  });
}
if (!existsSync(generated)) {
  // `config.d.ts` imports `../types.generated`; `sst dev`/`deploy` write it, `install` does not.
  mkdirSync(dirname(generated), { recursive: true });
  writeFileSync(generated, "export {};\n");
}
