/**
 * Characters a terminal acts on rather than shows: C0 controls but tab and newline (ESC
 * starts a sequence that can clear the screen or move the cursor, CR returns to the start
 * of the line to overwrite it), DEL, C1 controls (U+009B is a one-character CSI), and the
 * bidirectional overrides and isolates that reorder what follows them (Trojan Source,
 * CVE-2021-42574).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text as the terminal should show it: every character above written as `\uXXXX`. Applied
 * to all the CLI writes (runCli wraps stdout and stderr), so annotation text, API error
 * messages and file names read from outside cannot drive the terminal or fake a line.
 * JSON stays JSON with the same value: JSON.stringify has escaped C0 already, and any
 * other such character can only stand inside a string, where `\uXXXX` means it.
 */
export function printable(text: string): string {
  return text.replace(UNSAFE, (char) => `\\u${(char.codePointAt(0) ?? 0).toString(16).padStart(4, "0")}`);
}
