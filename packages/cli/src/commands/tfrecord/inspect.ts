/** `pastiche tfrecord inspect`: the schema of the records, as observed. */
import { decodeExample, decodeSequenceExample } from '@pastiche/tfrecord/node';
import { defineCommand } from '../../command.js';
import { formatBytes } from '../../format.js';
import { choiceOption, flagOption, integerOption } from '../../options.js';
import { Progress } from '../../progress.js';
import { Schema, schemaText, schemaToJSON } from '../../tfrecord/schema.js';
import { KIND_CHOICES, detectKind, readFileRecords, recordLine } from '../../tfrecord/records.js';
import type { RecordKind } from '../../tfrecord/records.js';

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
JSON object.`,
  options: {
    json: { type: 'boolean', description: 'Print one JSON object instead of tables' },
    kind: {
      type: 'string',
      short: 'k',
      valueName: 'KIND',
      description: 'Record kind: example, sequence, raw, or auto (detected per file)',
      defaultText: 'auto',
    },
    limit: { type: 'string', short: 'n', valueName: 'N', description: 'Look at the first N records in all' },
  },
  positionals: { name: 'FILE', min: 1 },
  examples: [
    'pastiche tfrecord inspect train.tfrecord.gz',
    'pastiche tfrecord inspect shards/* --limit 10000 --json | jq .features',
  ],
  async run(args, ctx) {
    const kindOption = choiceOption(args, 'kind', KIND_CHOICES, 'auto');
    const limit = integerOption(args, 'limit', { min: 1 }, Number.POSITIVE_INFINITY);
    const schema = new Schema();
    const progress = new Progress(ctx.stderr, { label: 'inspect', unit: 'records', now: ctx.now });
    try {
      for (const path of args.positionals) {
        if (schema.records >= limit) break;
        let kind: RecordKind | undefined = kindOption === 'auto' ? undefined : kindOption;
        let index = 0;
        for await (const record of readFileRecords(path, { signal: ctx.signal })) {
          kind ??= detectKind(record);
          if (kind === 'raw') schema.addRaw(record.length);
          else {
            try {
              if (kind === 'example') schema.addExample(decodeExample(record), record.length);
              else schema.addSequenceExample(decodeSequenceExample(record), record.length);
            } catch {
              recordLine(kind, record, path, index); // rethrows with file and record number
            }
          }
          index++;
          progress.update(schema.records);
          if (schema.records >= limit) break;
        }
      }
    } finally {
      progress.clear();
    }
    const text = flagOption(args, 'json')
      ? `${JSON.stringify(schemaToJSON(schema, args.positionals), null, 2)}\n`
      : schemaText(schema, args.positionals, formatBytes);
    await ctx.stdout.write(text);
    return 0;
  },
});
