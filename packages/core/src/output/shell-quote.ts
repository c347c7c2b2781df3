/** Words a POSIX shell reads as themselves: no quoting, spaces, globs, `$`, `;` or `~`. */
const PLAIN = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Characters a `'…'` word cannot carry visibly or safely: controls, DEL, C1. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * One argument as a shell reads it back exactly, for the commands Switchyard prints to be
 * pasted (`kubectl patch … --patch-file <file>`, `switchyard rbac --config <file>`):
 * plain words as they are, anything else in single quotes (`'` as `'\''`), and a word
 * with a control character — a newline would end the command, or a comment it sits in —
 * in ANSI-C quotes (`$'a\nb'`, bash, zsh, ksh and POSIX.1-2024 sh), so that it stays on
 * one line.
 */
export function shellQuote(word: string): string {
  if (PLAIN.test(word)) {
    return word;
  }
  if (!CONTROL.test(word)) {
    return `'${word.replaceAll("'", `'\\''`)}'`;
  }
  const escaped = [...word]
    .map((char) => {
      if (char === "\\" || char === "'") {
        return `\\${char}`;
      }
      const code = char.codePointAt(0) ?? 0;
      if (char === "\n") return "\\n";
      if (char === "\t") return "\\t";
      if (char === "\r") return "\\r";
      if (!CONTROL.test(char)) return char;
      // \xHH is a byte; a C1 control is a character, two bytes in UTF-8.
      return code < 0x80
        ? `\\x${code.toString(16).padStart(2, "0")}`
        : `\\u${code.toString(16).padStart(4, "0")}`;
    })
    .join("");
  return `$'${escaped}'`;
}

/** A command line of words, each quoted as `shellQuote` does. */
export function shellCommand(words: readonly string[]): string {
  return words.map(shellQuote).join(" ");
}
