/** `pastiche tfrecord inspect`: the schema of the records, as observed. */
import { decodeEvent, decodeExample, decodeSequenceExample } from '@pastiche/tfrecord/node';
import { defineCommand } from '../../command.js';
import { formatBytes } from '../../format.js';
import { choiceOption, flagOption, integerOption } from '../../options.js';
import { Progress } from '../../progress.js';
import { Schema, schemaText, schemaToJSON } from '../../tfrecord/schema.js';
import {
  KIND_CHOICES,
  KIND_HELP,
  RecordKinds,
  displayName,
  readFileRecords,
  recordLine,
} from '../../tfrecord/records.js';

/** Reads the records and prints each feature's kind, value-count range and presence. */
export const inspectCommand = defineCommand({
  name: 'inspect',
  summary: 'show the schema of the records: features, kinds, value counts',
  usage: 'FILE... [--json] [--kind KIND] [--limit N]',
  description: `
Reads the records of all FILEs (or the first N with --limit) and prints the
schema they show: for each feature its kind (int64, float, bytes, or none for a
feature with no kind set), the range of its value count, the range of byte
sizes of bytes values, and in how many records it is present. For
SequenceExamples the context is shown the same way, and each feature list with
its range of step counts and values per step. --json prints the same as one
JSON object. FILE may be - for standard input. With --kind example, records
carrying SequenceExample feature_lists are counted in a warning on stderr.`,
  options: (c) =>
    c
      .addOption(flagOption('--json', 'Print one JSON object instead of tables'))
      .addOption(choiceOption('-k, --kind <KIND>', KIND_HELP, KIND_CHOICES).default('auto' as const, 'auto'))
      .addOption(integerOption('-n, --limit <N>', 'Look at the first N records in all', { min: 1 })),
  positionals: { name: 'FILE', min: 1 },
  examples: [
    'pastiche tfrecord inspect train.tfrecord.gz',
    'pastiche tfrecord inspect shards/* --limit 10000 --json | jq .features',
  ],
  async run({ opts, positionals }, ctx) {
    const limit = opts.limit ?? Number.POSITIVE_INFINITY;
    const warnings: string[] = [];
    const schema = new Schema();
    const progress = new Progress(ctx.stderr, { label: 'inspect', unit: 'records', now: ctx.now });
    try {
      for (const path of positionals) {
        if (schema.records >= limit) break;
        const kinds = new RecordKinds(opts.kind, path);
        const name = displayName(path);
        let index = 0;
        for await (const record of readFileRecords(path, { signal: ctx.signal, stdin: ctx.stdin })) {
          const kind = kinds.of(record);
          if (kind === 'raw') schema.addRaw(record.length);
          else if (kind === 'event') {
            try {
              decodeEvent(record);
            } catch {
              recordLine(kind, record, name, index); // rethrows with file and record number
            }
            schema.addEvent(record.length);
          } else {
            try {
              if (kind === 'example') schema.addExample(decodeExample(record), record.length);
              else schema.addSequenceExample(decodeSequenceExample(record), record.length);
            } catch {
              recordLine(kind, record, name, index); // rethrows with file and record number
            }
          }
          index++;
          progress.update(schema.records);
          if (schema.records >= limit) break;
        }
        const warning = kinds.warning(name);
        if (warning !== undefined) warnings.push(warning);
      }
    } finally {
      progress.clear();
    }
    const files = positionals.map(displayName);
    const text =
      opts.json === true
        ? `${JSON.stringify(schemaToJSON(schema, files), null, 2)}\n`
        : schemaText(schema, files, formatBytes);
    await ctx.stdout.write(text);
    for (const w of warnings) await ctx.stderr.write(`pastiche: warning: ${w}\n`);
    return 0;
  },
});
