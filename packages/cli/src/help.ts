/** Help texts for commands and groups, built from their specs. */
import type { Command, CommandGroup, OptionSpec } from './command.js';
import { HELP_OPTION } from './options.js';

function optionLabel(name: string, o: OptionSpec): string {
  const short = o.short === undefined ? '    ' : `-${o.short}, `;
  const value = o.type === 'string' ? ` <${o.valueName ?? 'VALUE'}>` : '';
  return `${short}--${name}${value}`;
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
export function commandHelp(command: Command, path: string): string {
  const rows: Array<[string, string]> = Object.entries({ ...command.options, help: HELP_OPTION }).map(([name, o]) => {
    const d = (o as OptionSpec).defaultText;
    return [optionLabel(name, o as OptionSpec), d === undefined ? o.description : `${o.description} (default: ${d})`];
  });
  const description = command.description === undefined ? '' : `\n${command.description.trim()}\n`;
  return `Usage: ${path} ${command.usage}\n\n${capitalise(command.summary)}.\n${description}\nOptions:\n${table(rows)}\n${examplesBlock(command.examples)}`;
}

/** The --help text of `group` (the top level is a group too). */
export function groupHelp(group: CommandGroup, path: string, extraOptions: Array<[string, string]> = []): string {
  const rows: Array<[string, string]> = group.commands.map((c) => [
    c.kind === 'group' ? `${c.name} ...` : c.name,
    c.summary,
  ]);
  const options: Array<[string, string]> = [
    ...extraOptions,
    [optionLabel('help', HELP_OPTION), HELP_OPTION.description],
  ];
  const description = group.description === undefined ? '' : `\n${group.description.trim()}\n`;
  return (
    `Usage: ${path} <command> [options]\n\n${capitalise(group.summary)}.\n${description}\nCommands:\n${table(rows)}\n\n` +
    `Options:\n${table(options)}\n${examplesBlock(group.examples)}\nRun '${path} <command> --help' for the options of a command.\n`
  );
}

function capitalise(s: string): string {
  return s.length === 0 ? s : s[0]!.toUpperCase() + s.slice(1);
}
