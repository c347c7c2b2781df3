import type { CliIo } from "../io.ts";

const WIDTH = 30;

/**
 * A one-line progress bar on stderr, redrawn in place (`\r`): which policy runs, how far
 * through the scenario it is, and which of the policies it is. Drawn only when a change
 * is visible, so a long run does not flood a slow terminal.
 */
export function progressBar(
  io: CliIo,
  policies: readonly string[],
): {
  update: (policy: string, fraction: number) => void;
  done: () => void;
} {
  let last = "";
  const write = io.terminal ?? io.stderr;
  return {
    update(policy, fraction) {
      const index = policies.indexOf(policy);
      const overall = (Math.max(0, index) + fraction) / policies.length;
      const filled = Math.round(overall * WIDTH);
      const line = `simulating [${"#".repeat(filled)}${".".repeat(WIDTH - filled)}] ${String(Math.round(overall * 100)).padStart(3)} % ${policy} (${index + 1}/${policies.length})`;
      if (line !== last) {
        write(`\r${line.padEnd(last.length)}`);
        last = line;
      }
    },
    done() {
      if (last !== "") {
        write(`\r${" ".repeat(last.length)}\r`);
      }
    },
  };
}
