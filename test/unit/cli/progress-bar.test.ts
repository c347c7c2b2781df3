import { describe, expect, it } from "vitest";
import type { CliIo } from "../../../packages/cli/src/io.ts";
import { progressBar } from "../../../packages/cli/src/render/progress-bar.ts";

function capture(): { io: CliIo; stderr: string[] } {
  const stderr: string[] = [];
  const io: CliIo = {
    stdout: () => {},
    stderr: (text) => stderr.push(text),
    readFile: async () => "",
    writeFile: async () => {},
    prepareFolder: async () => {},
    now: () => new Date(0),
    isTty: true,
  };
  return { io, stderr };
}

describe("Function: progressBar", () => {
  it("redraws one line in place with the overall share, the policy and its position, and clears it when done", () => {
    const { io, stderr } = capture();
    const bar = progressBar(io, ["switchyard", "oracle"]);
    bar.update("switchyard", 0.5);
    bar.update("switchyard", 0.5);
    bar.update("oracle", 1);
    bar.done();
    expect(stderr).toHaveLength(3);
    expect(stderr[0]).toBe(`\rsimulating [${"#".repeat(8)}${".".repeat(22)}]  25 % switchyard (1/2)`);
    expect(stderr[1]).toMatch(/^\rsimulating \[#{30}\] 100 % oracle \(2\/2\)/);
    expect(stderr[2]).toMatch(/^\r {40,}\r$/);
  });
});
