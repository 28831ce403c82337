/** `pastiche tfrecord verify`: read everything, check every checksum. */
import { isTFRecordError } from '@pastiche/tfrecord/node';
import { defineCommand } from '../../command.js';
import { CliError } from '../../errors.js';
import { formatBytes, plural } from '../../format.js';
import { choiceOption } from '../../options.js';
import { Progress } from '../../progress.js';
import {
  KIND_CHOICES,
  RecordKinds,
  checkRecord,
  displayName,
  fileError,
  fileFacts,
  readFileRecords,
  readWorkerChoice,
} from '../../tfrecord/records.js';

/** Reads every record of every file with checksums on; exit code 1 at the first problem. */
export const verifyCommand = defineCommand({
  name: 'verify',
  summary: 'check every record and checksum of the given files',
  usage: 'FILE... [--kind KIND]',
  description: `
Reads every record of every file, checking the CRC32C of each length and body
and that each record decodes as its kind. --kind auto (the default) takes a
file whose first record is no protobuf message as raw bytes (framing only) and
otherwise checks each record as a SequenceExample or an Example, whichever it
is; --kind example fails on a record carrying SequenceExample feature_lists
(an Example reader would drop them); --kind raw checks the framing only.
Stops at the first problem with exit code 1 and a message naming the file, the
byte offset of the record (in the decompressed stream for GZIP/ZLIB files) and
the problem, e.g. "data.tfrecord: corrupted record at byte 1234: data checksum
mismatch". Otherwise prints a summary such as "3 files, 241 records, 1.2 MB: OK".
FILE may be - (or /dev/stdin) for standard input; compression is detected.`,
  options: (c) =>
    c.addOption(
      choiceOption(
        '-k, --kind <KIND>',
        'Check each record as: example, sequence, raw (framing only), event, or auto',
        KIND_CHOICES,
      ).default('auto' as const, 'auto'),
    ),
  positionals: { name: 'FILE', min: 1 },
  examples: [
    'pastiche tfrecord verify train.tfrecord',
    'pastiche tfrecord verify --kind example shards/*.tfrecord.gz && echo fine',
    'gzip -c data.tfrecord | pastiche tfrecord verify -',
  ],
  async run({ opts, positionals }, ctx) {
    let records = 0;
    let bytes = 0;
    const progress = new Progress(ctx.stderr, { label: 'verify', unit: 'records', now: ctx.now });
    try {
      for (const path of positionals) {
        const facts = await fileFacts(path);
        const name = displayName(path);
        const kinds = new RecordKinds(opts.kind, path);
        let stdinBytes = 0;
        let index = 0;
        try {
          for await (const record of readFileRecords(path, {
            signal: ctx.signal,
            stdin: ctx.stdin,
            onStdinBytes: (n) => (stdinBytes = n),
            worker: readWorkerChoice(ctx.env),
          })) {
            const kind = kinds.of(record);
            if (kinds.hidden > 0) {
              throw new CliError(
                `${name}: record ${index} carries SequenceExample feature_lists, which --kind example leaves out (use --kind auto or --kind sequence)`,
              );
            }
            if (kind !== 'raw') checkRecord(kind, record, name, index);
            index++;
            progress.update(records + index);
          }
        } catch (e) {
          const err = fileError(e, name);
          if (facts.compression !== 'none' && isTFRecordError(err) && err.offset !== undefined) {
            throw new CliError(
              `${err.message} (offset in the ${facts.compression.toUpperCase()}-decompressed stream)`,
              { cause: err },
            );
          }
          throw err;
        }
        records += index;
        bytes += Number.isNaN(facts.size) ? stdinBytes : facts.size;
      }
    } catch (e) {
      progress.clear();
      throw e;
    }
    progress.clear();
    await ctx.stdout.write(
      `${plural(positionals.length, 'file')}, ${plural(records, 'record')}, ${formatBytes(bytes)}: OK\n`,
    );
    return 0;
  },
});
