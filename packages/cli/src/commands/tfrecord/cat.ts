/** `pastiche tfrecord cat`: records as canonical JSON lines. */
import { defineCommand } from '../../command.js';
import { choiceOption, integerOption } from '../../options.js';
import { KIND_CHOICES, detectKind, readFileRecords, recordLine } from '../../tfrecord/records.js';
import type { RecordKind } from '../../tfrecord/records.js';

/** Prints every record of the given files as one line of canonical JSON. */
export const catCommand = defineCommand({
  name: 'cat',
  summary: 'print each record as one line of JSON',
  usage: 'FILE... [--kind KIND] [--limit N]',
  description: `
Each record is printed as one JSON object on its own line, in the canonical form
of tf.train.Example: {"features": {NAME: FEATURE}} where FEATURE is
{"int64": ["-3", "7"]} (exact decimal strings), {"float": [0.5]},
{"bytes_b64": ["..."]} or {} (no kind set). A SequenceExample prints as
{"context": {...}, "feature_lists": {NAME: [FEATURE, ...]}}, and --kind raw
prints {"bytes_b64": "..."} per record. Keys are sorted, so the output can be
compared with jq or diff. Checksums are verified.`,
  options: {
    kind: {
      type: 'string',
      short: 'k',
      valueName: 'KIND',
      description: 'Record kind: example, sequence, raw, or auto (detected per file)',
      defaultText: 'example',
    },
    limit: { type: 'string', short: 'n', valueName: 'N', description: 'Stop after N records in all (0 prints none)' },
  },
  positionals: { name: 'FILE', min: 1 },
  examples: [
    'pastiche tfrecord cat train.tfrecord --limit 2',
    'pastiche tfrecord cat --kind sequence clips.tfrecord.gz | jq .feature_lists',
    'pastiche tfrecord cat --kind raw data.tfrecord | head -n 1',
  ],
  async run(args, ctx) {
    const kindOption = choiceOption(args, 'kind', KIND_CHOICES, 'example');
    const limit = integerOption(args, 'limit', { min: 0 }, Number.POSITIVE_INFINITY);
    let printed = 0;
    for (const path of args.positionals) {
      if (printed >= limit) break;
      let kind: RecordKind | undefined = kindOption === 'auto' ? undefined : kindOption;
      let index = 0;
      for await (const record of readFileRecords(path, { signal: ctx.signal })) {
        kind ??= detectKind(record);
        const line = recordLine(kind, record, path, index);
        const wait = ctx.stdout.write(`${line}\n`);
        if (wait !== undefined) await wait;
        index++;
        if (++printed >= limit) break;
      }
    }
    return 0;
  },
});
