/** Help texts for commands and groups, in one layout, from the specs and commander's option list. */
import type { AnyCommand, CommandGroup } from './command.js';

/** The help option every command and group accepts. */
export const HELP_FLAGS = '-h, --help';
/** Its description. */
export const HELP_DESCRIPTION = 'Show this help';

/** What help shows of one option (commander's Option, read-only). */
export interface OptionLike {
  readonly flags: string;
  readonly short?: string | undefined;
  readonly description: string;
  readonly defaultValueDescription?: string | undefined;
  readonly hidden?: boolean | undefined;
}

function optionRow(o: OptionLike): [string, string] {
  const label = o.short === undefined ? `    ${o.flags}` : o.flags;
  const d = o.defaultValueDescription;
  return [label, d === undefined ? o.description : `${o.description} (default: ${d})`];
}

function table(rows: Array<[string, string]>, indent = 2): string {
  const width = Math.min(32, Math.max(...rows.map(([a]) => a.length)));
  return rows
    .map(([a, b]) => {
      const pad = a.length > width ? `\n${' '.repeat(indent + width + 2)}` : ' '.repeat(width - a.length + 2);
      return `${' '.repeat(indent)}${a}${pad}${b}`;
    })
    .join('\n');
}

function examplesBlock(examples: readonly string[] | undefined): string {
  if (examples === undefined || examples.length === 0) return '';
  return `\nExamples:\n${examples.map((e) => `  $ ${e}`).join('\n')}\n`;
}

/** The --help text of `command`, whose full path is `path` (e.g. `pastiche tfrecord cat`). */
export function commandHelp(command: AnyCommand, path: string, options: readonly OptionLike[]): string {
  const rows = options.filter((o) => o.hidden !== true).map(optionRow);
  const description = command.description === undefined ? '' : `\n${command.description.trim()}\n`;
  return `Usage: ${path} ${command.usage}\n\n${capitalise(command.summary)}.\n${description}\nOptions:\n${table(rows)}\n${examplesBlock(command.examples)}`;
}

/** The --help text of `group` (the top level is a group too). */
export function groupHelp(group: CommandGroup, path: string, options: readonly OptionLike[]): string {
  const rows: Array<[string, string]> = group.commands.map((c) => [
    c.kind === 'group' ? `${c.name} ...` : c.name,
    c.summary,
  ]);
  const description = group.description === undefined ? '' : `\n${group.description.trim()}\n`;
  return (
    `Usage: ${path} <command> [options]\n\n${capitalise(group.summary)}.\n${description}\nCommands:\n${table(rows)}\n\n` +
    `Options:\n${table(options.map(optionRow))}\n${examplesBlock(group.examples)}\nRun '${path} <command> --help' for the options of a command.\n`
  );
}

function capitalise(s: string): string {
  return s.length === 0 ? s : s[0]!.toUpperCase() + s.slice(1);
}
