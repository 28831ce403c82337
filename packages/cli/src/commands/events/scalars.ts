/** `pastiche events scalars`: every scalar of TensorBoard log directories as CSV or JSON lines. */
import picomatch from 'picomatch';
import { pyFloat32Repr, pyFloatRepr } from '@pastiche/tfrecord/node';
import type { ScalarPoint } from '@pastiche/tfrecord/node';
import { defineCommand } from '../../command.js';
import { choiceOption, repeatableOption } from '../../options.js';
import { findRuns, runScalars } from '../../events/logdir.js';

/**
 * A scalar value as text: float32 values (TF1 `simple_value`, DT_FLOAT tensors)
 * as the shortest decimal that rounds to the same float32 (`100.333336`, as
 * TensorBoard's JSON shows them), others as Python's float repr; NaN and the
 * infinities as `NaN`, `Infinity`, `-Infinity`.
 */
export function valueText(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
  return Math.fround(v) === v ? pyFloat32Repr(v) : pyFloatRepr(v);
}

/** A CSV field, quoted (RFC 4180) when it holds a comma, quote or line break. */
function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csvRow(run: string, p: ScalarPoint): string {
  return `${csvField(run)},${csvField(p.tag)},${p.step},${valueText(p.wallTime)},${valueText(p.value)}\n`;
}

function jsonRow(run: string, p: ScalarPoint): string {
  // Numbers stay exact JSON numbers; only non-finite values, which JSON lacks, become strings.
  const num = (v: number): string => (Number.isFinite(v) ? valueText(v) : JSON.stringify(valueText(v)));
  return `{"run": ${JSON.stringify(run)}, "tag": ${JSON.stringify(p.tag)}, "step": ${p.step}, "wall_time": ${num(p.wallTime)}, "value": ${num(p.value)}}\n`;
}

/** Prints one row per (run, tag, step, wall_time, value) of every scalar under the given log directories. */
export const eventsScalarsCommand = defineCommand({
  name: 'scalars',
  summary: 'print every scalar of TensorBoard runs as CSV or JSON lines',
  usage: 'LOGDIR_OR_FILE... [--format csv|jsonl] [--tag GLOB]',
  description: `
Walks each LOGDIR recursively for event files (names containing "tfevents") and
groups them into runs as TensorBoard does: the folder holding event files is a
run, named by its path relative to LOGDIR ("." for LOGDIR itself); its files
are read in name order. An event FILE given directly is a run named by its
folder. With several arguments, run names start with the argument they were
found under. A file found by walking that is no TFRecord file is skipped with
a warning; a file ending inside a record (still being written) is read up to
it. Both scalar forms are read: TF1 simple_value and TF2 scalar
tensors (plugin "scalars").

Prints one row per scalar in run order, then file and record order: run, tag,
step, wall_time (seconds since 1970), value. csv (the default) starts with the
header line run,tag,step,wall_time,value; jsonl prints one JSON object a line
with those keys. Float32 values print as the shortest decimal that reads back
as the same float32 (100.333336); NaN and infinities as NaN, Infinity,
-Infinity (strings in jsonl).`,
  options: (c) =>
    c
      .addOption(
        choiceOption('-f, --format <FORMAT>', 'Output format: csv or jsonl', ['csv', 'jsonl'] as const).default(
          'csv' as const,
          'csv',
        ),
      )
      .addOption(
        repeatableOption(
          '-t, --tag <GLOB>',
          'Only tags matching GLOB (picomatch; * stays within one /-separated part); repeatable',
        ),
      ),
  positionals: { name: 'LOGDIR_OR_FILE', min: 1 },
  examples: [
    'pastiche events scalars runs/ > scalars.csv',
    "pastiche events scalars runs/ --tag 'loss/*' --format jsonl | jq -c 'select(.run == \"a\")'",
    'pastiche events scalars runs/a/events.out.tfevents.1700000000.host.1.0',
  ],
  async run({ opts, positionals }, ctx) {
    const globs = opts.tag ?? [];
    const match = globs.length === 0 ? () => true : picomatch(globs, { dot: true });
    const runs = await findRuns(positionals);
    const row = opts.format === 'jsonl' ? jsonRow : csvRow;
    if (opts.format === 'csv') await ctx.stdout.write('run,tag,step,wall_time,value\n');
    const warnings: string[] = [];
    for (const run of runs) {
      for await (const p of runScalars(run, ctx.signal, (m) => warnings.push(m))) {
        if (!match(p.tag)) continue;
        const w = ctx.stdout.write(row(run.name, p));
        if (w) await w;
      }
    }
    for (const m of warnings) await ctx.stderr.write(`pastiche: warning: ${m}\n`);
    return 0;
  },
});
