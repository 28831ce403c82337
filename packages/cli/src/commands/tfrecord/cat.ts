/** `pastiche tfrecord cat`: records as canonical JSON lines. */
import { defineCommand } from '../../command.js';
import { choiceOption, integerOption } from '../../options.js';
import {
  KIND_CHOICES,
  KIND_HELP,
  RecordKinds,
  displayName,
  readFileRecords,
  readWorkerChoice,
  recordLine,
} from '../../tfrecord/records.js';

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
{"context": {...}, "feature_lists": {NAME: [FEATURE, ...]}}, --kind raw
prints {"bytes_b64": "..."} per record, and --kind event prints each
TensorBoard Event as protobuf's JSON mapping does with the proto field names
({"step": "12", "summary": {"value": [{"simple_value": 0.5, "tag": "loss"}]},
"wall_time": 1700000001.0}). Keys are sorted, so the output can be
compared with jq or diff. Checksums are verified.

--kind auto (the default) prints each record in the form that keeps all of it:
an Event for a TensorBoard event file (its first record is the file_version
Event, or its name contains "tfevents"), a SequenceExample when it carries
feature_lists, else an Example (raw bytes for a file whose first record is
neither). With --kind example, records carrying
feature_lists are printed without them and counted in a warning on stderr.
FILE may be - (or /dev/stdin) for standard input; compression is detected.`,
  options: (c) =>
    c
      .addOption(choiceOption('-k, --kind <KIND>', KIND_HELP, KIND_CHOICES).default('auto' as const, 'auto'))
      .addOption(integerOption('-n, --limit <N>', 'Stop after N records in all (0 prints none)', { min: 0 })),
  positionals: { name: 'FILE', min: 1 },
  examples: [
    'pastiche tfrecord cat train.tfrecord --limit 2',
    'pastiche tfrecord cat clips.tfrecord.gz | jq .feature_lists',
    'pastiche tfrecord cat --kind raw data.tfrecord | head -n 1',
    'pastiche tfrecord cat runs/a/events.out.tfevents.1700000000.host.1.0 | jq .summary',
    'gzip -dc data.tfrecord.gz | pastiche tfrecord cat -',
  ],
  async run({ opts, positionals }, ctx) {
    const limit = opts.limit ?? Number.POSITIVE_INFINITY;
    let printed = 0;
    for (const path of positionals) {
      if (printed >= limit) break;
      const kinds = new RecordKinds(opts.kind, path);
      const name = displayName(path);
      let index = 0;
      for await (const record of readFileRecords(path, {
        signal: ctx.signal,
        stdin: ctx.stdin,
        worker: readWorkerChoice(ctx.env),
      })) {
        const line = recordLine(kinds.of(record), record, name, index);
        const wait = ctx.stdout.write(`${line}\n`);
        if (wait !== undefined) await wait;
        index++;
        if (++printed >= limit) break;
      }
      const warning = kinds.warning(name);
      if (warning !== undefined) await ctx.stderr.write(`pastiche: warning: ${warning}\n`);
    }
    return 0;
  },
});
