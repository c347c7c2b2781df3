import { jsonText } from "@switchyard/core";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { JSON_SIGNIFICANT_DIGITS } from "../../../packages/core/src/output/json-output.ts";
import { runSwitchyard } from "../../support/cli.ts";
import { readRepoFile } from "../../support/paths.ts";

// What a new user trips on in their first minutes (issue 11, item 6).

const CONFIG = "examples/sd21/switchyard.yaml";

/** Every number anywhere in a JSON value. */
function numbersIn(value: unknown): number[] {
  if (typeof value === "number") {
    return [value];
  }
  if (value !== null && typeof value === "object") {
    return Object.values(value).flatMap(numbersIn);
  }
  return [];
}

describe("Command: switchyard --version", () => {
  it.each([["--version"], ["-V"]])(
    "prints the version of packages/cli/package.json with %s and exits 0",
    async (flag) => {
      const { version } = JSON.parse(readRepoFile("packages/cli/package.json")) as { version: string };

      const run = await runSwitchyard([flag]);

      expect(run.code).toBe(0);
      expect(run.stdout).toBe(`${version}\n`);
    },
  );
});

describe("Command: switchyard <command> --help", () => {
  it("marks the options that must be given as required, and only those", async () => {
    const run = await runSwitchyard(["calibrate", "--help"]);
    expect(run.code).toBe(0);
    const described = (flag: string) =>
      run.stdout
        .split(/\n(?= {2}-)/)
        .find((entry) => entry.trimStart().startsWith(flag))
        ?.replace(/\s+/g, " ");
    expect(described("-l, --load-test")).toContain("(required)");
    expect(described("--slo-ms")).toContain("e.g. 900 (required)");
    expect(described("--statistic")).not.toContain("(required)");
  });
});

describe("Command: switchyard validate (warnings)", () => {
  it("warns, exiting 0, about the example's units whose latency at their breaking point is above the SLO", async () => {
    const run = await runSwitchyard(["validate", "--config", CONFIG]);

    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`${CONFIG}: valid`);
    const lines = run.stderr.trimEnd().split("\n");
    expect(lines[0]).toBe(`${CONFIG}: 2 warnings`);
    expect(lines[1]).toMatch(
      new RegExp(
        `^  ${CONFIG}:\\d+:\\d+  services\\[0\\]\\.units\\[3\\]\\.latencyMs: sd21-l4-triton answers in 960 ms at its breaking point \\(maxRps 61\\), above the service's p95 SLO of 900 ms`,
      ),
    );
    expect(lines[2]).toMatch(
      /services\[0\]\.units\[4\]\.latencyMs: sd21-a10g-cuda answers in 920 ms .* SLO of 900 ms/,
    );
    expect(lines).toHaveLength(3);
  });

  it("warns about a service with one unit: nothing to fail over to", async () => {
    const yaml = readRepoFile("test/fixtures/configs/one-unit.yaml");

    const run = await runSwitchyard(["validate", "--config", "one.yaml"], { "one.yaml": yaml });

    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^one\.yaml: 1 warning\n/);
    expect(run.stderr).toMatch(
      /services\[0\]\.units: service \w[\w-]* has one unit \([\w-]+\): when .* runs out of EC2 capacity there is no other pool to fail over to/,
    );
  });

  it("warns about a scaleUpTolerance below the HPA's 10 %: it needs Kubernetes 1.35 and the ScaledObjects to carry it", async () => {
    const yaml = readRepoFile(CONFIG)
      .replace("latencyMs: 960", "latencyMs: 880")
      .replace("latencyMs: 920", "latencyMs: 890")
      .replace("headroom: 0.1", "headroom: 0.1\n    scaleUpTolerance: 0.02");

    const run = await runSwitchyard(["validate", "--config", "tol.yaml"], { "tol.yaml": yaml });

    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^tol\.yaml: 1 warning\n/);
    expect(run.stderr).toMatch(
      /services\[0\]\.scaleUpTolerance: 0\.02 is below the HPA's default tolerance of 0\.1: it holds only if every unit's ScaledObject sets spec\.advanced\.horizontalPodAutoscalerConfig\.behavior\.scaleUp\.tolerance .* Kubernetes 1\.35 or later .* KEDA 2\.18 or later; .* let pods run 8 % past their safe rate/,
    );
  });

  it("prints no warning for a config within its SLO", async () => {
    const yaml = readRepoFile(CONFIG)
      .replace("latencyMs: 960", "latencyMs: 880")
      .replace("latencyMs: 920", "latencyMs: 890");

    const run = await runSwitchyard(["validate", "--config", "ok.yaml"], { "ok.yaml": yaml });

    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
  });
});

describe("Command: switchyard plan (output for scripts)", () => {
  it("writes JSON without float noise: every number as 12 significant digits at most", async () => {
    const run = await runSwitchyard(["plan", "--config", CONFIG, "--output", "json"]);

    expect(run.code).toBe(0);
    expect(run.stdout).not.toMatch(/\d\.\d*(0{6,}|9{6,})\d/);
    const json = JSON.parse(run.stdout);
    expect(json.services[0].modes.cost.hourlyCost).toBe(5.677);
    for (const n of numbersIn(json)) {
      expect(n).toBe(Number(n.toPrecision(JSON_SIGNIFICANT_DIGITS)));
    }
  });

  it("ends --output yaml with a newline", async () => {
    const run = await runSwitchyard(["plan", "--config", CONFIG, "--output", "yaml"]);

    expect(run.code).toBe(0);
    expect(run.stdout.endsWith("\n")).toBe(true);
    expect(run.stdout.endsWith("\n\n")).toBe(false);
  });

  it("writes each patch to its own file with --out-dir and prints the kubectl patch command for each, ScaledObjects first", async () => {
    const run = await runSwitchyard([
      "plan",
      "-c",
      CONFIG,
      "-m",
      "cost",
      "-o",
      "yaml",
      "--out-dir",
      "patches",
    ]);

    expect(run.code).toBe(0);
    expect([...run.written.keys()].sort()).toEqual([
      "patches/sd21-cost-ingress-sd21.yaml",
      "patches/sd21-cost-scaledobject-sd21-a10g-cuda.yaml",
      "patches/sd21-cost-scaledobject-sd21-a10g-triton.yaml",
      "patches/sd21-cost-scaledobject-sd21-inf2.yaml",
      "patches/sd21-cost-scaledobject-sd21-l4-triton.yaml",
      "patches/sd21-cost-scaledobject-sd21-trn1.yaml",
    ]);
    const commands = run.stdout.split("\n").filter((line) => line.startsWith("kubectl"));
    expect(commands).toEqual([
      "kubectl -n default patch scaledobject sd21-inf2 --type json --patch-file patches/sd21-cost-scaledobject-sd21-inf2.yaml",
      "kubectl -n default patch scaledobject sd21-trn1 --type json --patch-file patches/sd21-cost-scaledobject-sd21-trn1.yaml",
      "kubectl -n default patch scaledobject sd21-a10g-triton --type json --patch-file patches/sd21-cost-scaledobject-sd21-a10g-triton.yaml",
      "kubectl -n default patch scaledobject sd21-l4-triton --type json --patch-file patches/sd21-cost-scaledobject-sd21-l4-triton.yaml",
      "kubectl -n default patch scaledobject sd21-a10g-cuda --type json --patch-file patches/sd21-cost-scaledobject-sd21-a10g-cuda.yaml",
      "kubectl -n default patch ingress sd21 --type merge --patch-file patches/sd21-cost-ingress-sd21.yaml",
    ]);
    // Each file is one document: the Ingress a merge patch of annotations, a ScaledObject a JSON patch.
    const ingress = String(run.written.get("patches/sd21-cost-ingress-sd21.yaml"));
    expect(ingress.endsWith("\n")).toBe(true);
    const [document] = parseAllDocuments(ingress).map((d) => d.toJS());
    expect(Object.keys(document.metadata.annotations)).toContain(
      "alb.ingress.kubernetes.io/actions.weighted-routing",
    );
    const scaledObject = parseAllDocuments(
      String(run.written.get("patches/sd21-cost-scaledobject-sd21-inf2.yaml")),
    );
    expect(scaledObject).toHaveLength(1);
    expect(scaledObject[0]?.toJS()).toEqual([
      { op: "test", path: "/spec/triggers/0/type", value: "aws-cloudwatch" },
      { op: "replace", path: "/spec/triggers/0/metadata/targetMetricValue", value: "95.5" },
    ]);
  });

  it("names the namespace of the config in the kubectl commands", async () => {
    const yaml = readRepoFile(CONFIG).replace("    namespace: default\n", "    namespace: inference\n");

    const run = await runSwitchyard(
      ["plan", "-c", "ns.yaml", "-m", "capacity", "-o", "yaml", "--out-dir", "p"],
      {
        "ns.yaml": yaml,
      },
    );

    expect(run.code).toBe(0);
    const commands = run.stdout.split("\n").filter((line) => line.startsWith("kubectl"));
    expect(commands).toHaveLength(6);
    for (const command of commands) {
      expect(command).toMatch(/^kubectl -n inference patch /);
    }
  });

  it("exits 2 when --out-dir is given without --output yaml", async () => {
    const run = await runSwitchyard(["plan", "-c", CONFIG, "--out-dir", "patches"]);

    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      "switchyard: --out-dir writes the patches of --output yaml, one file each; add --output yaml (got --output table)\n",
    );
    expect(run.written.size).toBe(0);
  });

  it.each([["table"], ["json"], ["yaml"]])(
    "prints the %s plan, then exits 3 naming the shortfall, on a demand it cannot serve",
    async (output) => {
      const run = await runSwitchyard(["plan", "-c", CONFIG, "-d", "50000", "-m", "cost", "-o", output]);

      expect(run.code).toBe(3);
      expect(run.stdout).not.toBe("");
      expect(run.stderr).toBe(
        "switchyard: the plan is infeasible: sd21 cost mode is short by 10,400 RPS at 50,000 RPS demand plus 10 % headroom, with every unit at its maxReplicaCount; raise maxReplicaCount or maxRps, add a unit, or plan for less demand\n",
      );
    },
  );

  it("labels the unit-economics column so it reads without the docs", async () => {
    const run = await runSwitchyard(["plan", "-c", CONFIG]);

    expect(run.stdout).not.toContain("$/inf·s");
    expect(run.stdout).toMatch(/unit\s+\$\/h per RPS\s+\$\/M req full load/);
    expect(run.stdout).toMatch(/sd21-a10g-triton\s+0\.01118\s/);
  });
});

describe("Function: jsonText", () => {
  it.each([
    [5.6770000000000005, "5.677"],
    [0.1 + 0.2, "0.3"],
    [2.0058201058201055, "2.00582010582"],
    [1731626220000, "1731626220000"],
    [42, "42"],
  ])("writes %s as %s", (value, text) => {
    expect(jsonText({ value })).toBe(`{\n  "value": ${text}\n}\n`);
  });
});
