import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { shellQuote } from "@switchyard/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseAllDocuments, parse as parseYaml } from "yaml";
import { runSwitchyard } from "../../support/cli.ts";
import { readRepoFile } from "../../support/paths.ts";

// What the CLI prints to be pasted into a shell or applied with kubectl: paths and names
// from outside are quoted or escaped so that they stay one argument, one comment, one value.

const CONFIG = "examples/sd21/switchyard.yaml";

/** What bash makes of `words` (already quoted) as the arguments of printf. */
function bashArguments(quoted: string): string[] {
  const out = execFileSync("bash", ["-c", `printf '%s\\0' ${quoted}`], { encoding: "utf8" });
  return out.split("\0").slice(0, -1);
}

describe("Function: shellQuote", () => {
  it("quotes any string so that bash reads back exactly that one word", () => {
    const words = fc.string({ unit: "binary", maxLength: 12 }).filter((w) => !w.includes("\0"));
    fc.assert(
      fc.property(fc.array(words, { minLength: 1, maxLength: 3 }), (list) => {
        expect(bashArguments(list.map(shellQuote).join(" "))).toEqual(list);
      }),
      { numRuns: 60 },
    );
  });

  it("keeps plain words plain and a newline on the same line", () => {
    expect(shellQuote("out/patches/sd21-cost-ingress-sd21.yaml")).toBe(
      "out/patches/sd21-cost-ingress-sd21.yaml",
    );
    expect(shellQuote("x;touch y")).toBe("'x;touch y'");
    expect(shellQuote("a\nb")).toBe("$'a\\nb'");
  });
});

describe("Command: switchyard plan --out-dir", () => {
  it("prints kubectl lines that, pasted, run kubectl with the folder as one argument and nothing else", async () => {
    // A real folder with a shell-active name, for the real shell to read the lines.
    const parent = mkdtempSync(join(tmpdir(), "switchyard-out-dir-"));
    try {
      const dir = join(parent, "x;touch y $(id) `id`\nz");
      const run = await runSwitchyard(["plan", "-c", CONFIG, "-m", "cost", "-o", "yaml", "--out-dir", dir]);
      expect(run.code).toBe(0);
      const commands = run.stdout.split("\n").filter((line) => line.startsWith("kubectl "));
      expect(commands).toHaveLength(6);
      // Every line of the output is a comment or one kubectl command.
      expect(
        run.stdout
          .trimEnd()
          .split("\n")
          .every((l) => l.startsWith("#") || l.startsWith("kubectl ")),
      ).toBe(true);
      for (const command of commands) {
        const args = bashArguments(command.replace(/^kubectl /, ""));
        expect(args.slice(0, 8)).toEqual([
          "-n",
          "default",
          "patch",
          expect.any(String),
          expect.any(String),
          "--type",
          expect.any(String),
          "--patch-file",
        ]);
        expect(args).toHaveLength(9);
        expect(run.written.has(args[8] as string)).toBe(true);
        expect(args[8]?.startsWith(`${dir}/`)).toBe(true);
      }
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });
});

describe("Command: switchyard rbac", () => {
  it("keeps a config path with a newline inside the header comment: the YAML is still only the Roles and RoleBindings", async () => {
    const path = "my\nkind: Secret\n# x.yaml";
    const run = await runSwitchyard(["rbac", "-c", path], { [path]: readRepoFile(CONFIG) });
    expect(run.code).toBe(0);
    const header = run.stdout.split("\n---\n")[0] as string;
    expect(header.split("\n").every((line) => line.startsWith("#"))).toBe(true);
    expect(header).toContain("switchyard rbac --config $'my\\nkind: Secret\\n# x.yaml'");
    const kinds = parseAllDocuments(run.stdout).map((d) => (d.toJS() as { kind?: string } | null)?.kind);
    expect(kinds).toEqual(["Role", "RoleBinding", "Role", "RoleBinding", "Role", "RoleBinding"]);
  });
});

describe("Command: switchyard calibrate --output yaml", () => {
  it("writes unit names as YAML values and comments as comments, whatever the CSV's names hold", async () => {
    // A unit that keeps up, one that never reached its breaking point, one that broke at once.
    const names = ["a: 1", "b\nmaxRps: 9999", "c # not a comment"];
    const quoted = names.map((n) => `"${n}"`);
    const csv = [
      "unit,offered_rps,served_rps,p95_ms",
      `${quoted[0]},10,10,100`,
      `${quoted[0]},20,10,100`,
      `${quoted[1]},10,10,100`,
      `${quoted[1]},20,20,200`,
      `${quoted[2]},10,4,100`,
      "",
    ].join("\n");
    const run = await runSwitchyard(["calibrate", "-l", "load test\n.csv", "--slo-ms", "900", "-o", "yaml"], {
      "load test\n.csv": csv,
    });
    // A unit name that no config can hold may be refused (exit 2, naming the line); if it
    // is accepted, the fragment must read back as exactly these units.
    if (run.code === 2) {
      expect(run.stderr).toMatch(/line \d/);
      return;
    }
    expect(run.code).toBe(1);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe("# switchyard calibrate --load-test $'load test\\n.csv' --slo-ms 900");
    const units = (parseYaml(run.stdout) as { units: { name: string; maxRps?: number }[] }).units;
    expect(units.map((u) => u.name)).toEqual(names);
    expect(units.map((u) => Object.keys(u))).toEqual([
      ["name", "maxRps", "latencyMs"],
      ["name", "maxRps", "latencyMs"],
      ["name"],
    ]);
    expect(units[1]?.maxRps).toBe(20);
  });
});

describe("Errors: switchyard's stderr", () => {
  it("escapes control characters in what it names: a file name cannot clear the screen", async () => {
    const run = await runSwitchyard(["validate", "-c", "missing\u001b[2J\r.yaml"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("switchyard: cannot read missing\\u001b[2J\\u000d.yaml: no such file\n");
  });
});
