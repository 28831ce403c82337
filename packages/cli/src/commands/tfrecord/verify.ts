/** `pastiche tfrecord verify`: read everything, check every checksum. */
import { isTFRecordError } from '@pastiche/tfrecord/node';
import { defineCommand } from '../../command.js';
import { CliError } from '../../errors.js';
import { formatBytes, plural } from '../../format.js';
import { choiceOption } from '../../options.js';
import { Progress } from '../../progress.js';
import { fileFacts, fileError, readFileRecords, recordLine } from '../../tfrecord/records.js';

/** Reads every record of every file with checksums on; exit code 1 at the first problem. */
export const verifyCommand = defineCommand({
  name: 'verify',
  summary: 'check every record and checksum of the given files',
  usage: 'FILE... [--kind KIND]',
  description: `
Reads every record of every file, checking the CRC32C of each length and body
(and, with --kind example or sequence, that each record decodes). Stops at the
first problem with exit code 1 and a message naming the file, the byte offset
of the record (in the decompressed stream for GZIP/ZLIB files) and the problem,
e.g. "data.tfrecord: corrupted record at byte 1234: data checksum mismatch".
Otherwise prints a summary such as "3 files, 241 records, 1.2 MB: OK".`,
  options: {
    kind: {
      type: 'string',
      short: 'k',
      valueName: 'KIND',
      description: 'Also decode each record as: example, sequence, or raw (framing only)',
      defaultText: 'raw',
    },
  },
  positionals: { name: 'FILE', min: 1 },
  examples: [
    'pastiche tfrecord verify train.tfrecord',
    'pastiche tfrecord verify --kind example shards/*.tfrecord.gz && echo fine',
  ],
  async run(args, ctx) {
    const kind = choiceOption(args, 'kind', ['example', 'sequence', 'raw'] as const, 'raw');
    let records = 0;
    let bytes = 0;
    const progress = new Progress(ctx.stderr, { label: 'verify', unit: 'records', now: ctx.now });
    try {
      for (const path of args.positionals) {
        const facts = await fileFacts(path);
        let index = 0;
        try {
          for await (const record of readFileRecords(path, { signal: ctx.signal })) {
            if (kind !== 'raw') recordLine(kind, record, path, index);
            index++;
            progress.update(records + index);
          }
        } catch (e) {
          const err = fileError(e, path);
          if (facts.compression !== 'none' && isTFRecordError(err) && err.offset !== undefined) {
            throw new CliError(
              `${err.message} (offset in the ${facts.compression.toUpperCase()}-decompressed stream)`,
              { cause: err },
            );
          }
          throw err;
        }
        records += index;
        bytes += facts.size;
      }
    } catch (e) {
      progress.clear();
      throw e;
    }
    progress.clear();
    await ctx.stdout.write(
      `${plural(args.positionals.length, 'file')}, ${plural(records, 'record')}, ${formatBytes(bytes)}: OK\n`,
    );
    return 0;
  },
});
