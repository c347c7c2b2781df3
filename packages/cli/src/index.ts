export { InputFileError, UsageError } from "./errors.ts";
export { type CliIo, processIo } from "./io.ts";
export { EXIT, runCli } from "./program.ts";
export { progressBar } from "./render/progress-bar.ts";
