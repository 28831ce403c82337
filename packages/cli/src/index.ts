/** `@pastiche/cli`: the `pastiche` command as a library (for tests and embedding). */
export { main, version } from './main.js';
export { CliError, ExitCode, OutputClosedError, isCliError, usageError } from './errors.js';
export type { CliErrorOptions, ExitCodeValue } from './errors.js';
export type {
  Command,
  CommandGroup,
  CommandNode,
  OptionSpec,
  OptionsSpec,
  ParsedArgs,
  PositionalSpec,
} from './command.js';
export { defineCommand, defineGroup } from './command.js';
export type { Context, Output } from './io.js';
export { MemoryOutput, StreamOutput } from './io.js';
export { Progress } from './progress.js';
export type { ProgressOptions } from './progress.js';
