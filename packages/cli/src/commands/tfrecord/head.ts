/** `pastiche tfrecord head`: the first records, for people. */
import { decodeEvent, decodeExample, decodeSequenceExample, eventToJSONLine } from '@pastiche/tfrecord/node';
import type { Feature, Features } from '@pastiche/tfrecord/node';
import { defineCommand } from '../../command.js';
import { choiceOption, integerOption } from '../../options.js';
import {
  KIND_CHOICES,
  KIND_HELP,
  RecordKinds,
  displayName,
  readFileRecords,
  recordLine,
} from '../../tfrecord/records.js';

/** Values shown per feature before "... (N more)". */
const MAX_VALUES = 8;
/** Characters of text shown for a bytes value before it is cut. */
const MAX_TEXT = 60;
/** Bytes shown in hex for a binary value. */
const HEX_PREFIX = 12;

const decoder = new TextDecoder('utf-8', { fatal: true });

/** A bytes value as quoted text when it is printable UTF-8, else its size and a hex prefix. */
export function bytesValueText(b: Uint8Array): string {
  let text: string | undefined;
  try {
    text = decoder.decode(b);
  } catch {
    text = undefined;
  }
  // Printable: no control characters except tab/newline (shown escaped by JSON.stringify).
  // eslint-disable-next-line no-control-regex
  if (text !== undefined && !/[\x00-\x08\x0b-\x1f\x7f\ufffd]/.test(text)) {
    const cut = text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}...` : text;
    return `${JSON.stringify(cut)}${text.length > MAX_TEXT ? ` (${b.length} B)` : ''}`;
  }
  const hex = Array.from(b.subarray(0, HEX_PREFIX), (x) => x.toString(16).padStart(2, '0')).join(' ');
  return `<${b.length} B: ${hex}${b.length > HEX_PREFIX ? ' ...' : ''}>`;
}

function shortFloat(x: number): string {
  if (Number.isInteger(x) && Math.abs(x) < 1e15) return String(x);
  return String(Number(x.toPrecision(7)));
}

/** One feature as `kind[n] v1, v2, ...`. */
export function featureValueText(f: Feature): string {
  if (f.kind === 'none') return 'none (no kind set)';
  const n = f.values.length;
  const shown: string[] = [];
  for (let i = 0; i < Math.min(n, MAX_VALUES); i++) {
    if (f.kind === 'int64') shown.push(String(f.values[i]!));
    else if (f.kind === 'float') shown.push(shortFloat(f.values[i]!));
    else shown.push(bytesValueText(f.values[i]!));
  }
  const more = n > MAX_VALUES ? `, ... (${n - MAX_VALUES} more)` : '';
  return `${f.kind}[${n}] ${shown.join(', ')}${more}`.trimEnd();
}

function featureLines(features: Features, indent: string): string[] {
  const names = Object.keys(features).sort();
  const width = Math.min(24, Math.max(0, ...names.map((n) => n.length)));
  return names.map((n) => `${indent}${n.padEnd(width)}  ${featureValueText(features[n]!)}`);
}

/** Prints the first N records of each file in a readable layout. */
export const headCommand = defineCommand({
  name: 'head',
  summary: 'print the first records in a readable layout',
  usage: 'FILE... [-n N] [--kind KIND]',
  description: `
Prints the first N records of each FILE, one feature per line: its kind, value
count and up to ${MAX_VALUES} values. Bytes values show as quoted text when they are
printable UTF-8, else as their size and the first ${HEX_PREFIX} bytes in hex. For
machine-readable output use 'pastiche tfrecord cat'. FILE may be - for
standard input. With --kind example, records carrying SequenceExample
feature_lists are shown without them and counted in a warning on stderr.`,
  options: (c) =>
    c
      .addOption(integerOption('-n, --lines <N>', 'Records per file', { min: 0 }).default(5, '5'))
      .addOption(choiceOption('-k, --kind <KIND>', KIND_HELP, KIND_CHOICES).default('auto' as const, 'auto')),
  positionals: { name: 'FILE', min: 1 },
  examples: ['pastiche tfrecord head train.tfrecord', 'pastiche tfrecord head -n 1 clips.tfrecord.gz'],
  async run({ opts, positionals }, ctx) {
    const n = opts.lines;
    const many = positionals.length > 1;
    for (const [fileIndex, path] of positionals.entries()) {
      const name = displayName(path);
      if (many) await ctx.stdout.write(`${fileIndex > 0 ? '\n' : ''}==> ${name} <==\n`);
      if (n === 0) continue;
      const kinds = new RecordKinds(opts.kind, path);
      let index = 0;
      let offset = 0;
      for await (const record of readFileRecords(path, { signal: ctx.signal, stdin: ctx.stdin })) {
        const kind = kinds.of(record);
        const out: string[] = [`${index > 0 ? '\n' : ''}record ${index} (byte ${offset}, ${record.length} B)`];
        try {
          if (kind === 'example') out.push(...featureLines(decodeExample(record).features, '  '));
          else if (kind === 'sequence') {
            const se = decodeSequenceExample(record);
            out.push('  context:', ...featureLines(se.context, '    '), '  feature lists:');
            for (const name of Object.keys(se.featureLists).sort()) {
              const steps = se.featureLists[name]!;
              out.push(`    ${name}: ${steps.length} step${steps.length === 1 ? '' : 's'}`);
              const shown = steps.slice(0, MAX_VALUES);
              shown.forEach((f, i) => out.push(`      [${i}] ${featureValueText(f)}`));
              if (steps.length > shown.length) out.push(`      ... (${steps.length - shown.length} more steps)`);
            }
          } else if (kind === 'event') out.push(`  ${eventToJSONLine(decodeEvent(record))}`);
          else out.push(`  ${bytesValueText(record)}`);
        } catch {
          recordLine(kind, record, name, index); // rethrows naming the file and record
        }
        await ctx.stdout.write(`${out.join('\n')}\n`);
        offset += record.length + 16;
        if (++index >= n) break;
      }
      const warning = kinds.warning(name);
      if (warning !== undefined) await ctx.stderr.write(`pastiche: warning: ${warning}\n`);
    }
    return 0;
  },
});
