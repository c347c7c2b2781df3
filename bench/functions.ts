// `npm run bench:functions`: builds every handler bundle, then prints its minified size
// and the median time Node takes to import it (a cold start's module-load share),
// measured in fresh processes. Figures, not assertions.
import { execFileSync } from "node:child_process";
import { buildFunctions } from "../scripts/build-functions.ts";

const RUNS = 15;

function importMs(file: string): number {
  const script = `const t=performance.now();await import(${JSON.stringify(file)});process.stdout.write(String(performance.now()-t));`;
  const output = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
    env: {
      ...process.env,
      AWS_REGION: "us-west-2",
      STATE_MACHINE_ARN: "arn:aws:states:us-west-2:123456789012:stateMachine:bench",
    },
    encoding: "utf8",
  });
  return Number(output);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

const bundles = await buildFunctions();
process.stdout.write(
  `${"function".padEnd(16)} ${"minified".padStart(9)}  median import (${RUNS} fresh processes)\n`,
);
for (const { name, bytes, file } of bundles) {
  const samples = Array.from({ length: RUNS }, () => importMs(file));
  process.stdout.write(
    `${name.padEnd(16)} ${`${(bytes / 1024 / 1024).toFixed(2)} MB`.padStart(9)}  ${median(samples).toFixed(1)} ms\n`,
  );
}
process.stdout.write(`node ${process.version}\n`);
