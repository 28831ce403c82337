/** `@pastiche/cli`: the `pastiche` command as a library (for tests and embedding). */
export { main, version, INTERRUPT_SIGNALS } from './main.js';
export { guardOutputs } from './guard.js';
export type { GuardSpec } from './guard.js';
export { CliError, ExitCode, OutputClosedError, isCliError, usageError } from './errors.js';
export type { CliErrorOptions, ExitCodeValue } from './errors.js';
export type { AnyCommand, Command, CommandGroup, CommandNode, PositionalSpec, RunArgs } from './command.js';
export { defineCommand, defineGroup } from './command.js';
export type { Context, Output } from './io.js';
export { MemoryOutput, StreamOutput } from './io.js';
export { Progress } from './progress.js';
export type { ProgressOptions } from './progress.js';
