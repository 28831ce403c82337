/** `pastiche tfrecord count`: number of records per file. */
import { countRecords } from '@pastiche/tfrecord/node';
import { defineCommand } from '../../command.js';
import { isStdin, readError, readFileRecords } from '../../tfrecord/records.js';

/** Counts the records of each file, with a total when several. */
export const countCommand = defineCommand({
  name: 'count',
  summary: 'count the records of each file',
  usage: 'FILE...',
  description: `
With one file, prints its record count alone (easy to use in scripts). With
several, prints "COUNT FILE" per file and a final "COUNT total" line, as wc does.
An uncompressed file is counted from its 12-byte record headers alone: each
length checksum is verified and the data is skipped with seeks, so a file of
large records is counted at the speed of its headers ('pastiche tfrecord verify'
checks the data). Compressed files and standard input are read through, every
checksum verified. FILE may be - (or /dev/stdin); compression is detected.`,
  options: (c) => c,
  positionals: { name: 'FILE', min: 1 },
  examples: [
    'pastiche tfrecord count train.tfrecord',
    'pastiche tfrecord count shards/train-*.tfrecord.gz',
    'curl -s https://example.org/data.tfrecord.gz | pastiche tfrecord count -',
  ],
  async run({ positionals: files }, ctx) {
    const counts: number[] = [];
    for (const path of files) {
      if (isStdin(path)) {
        let n = 0;
        for await (const record of readFileRecords(path, { signal: ctx.signal, stdin: ctx.stdin })) {
          void record;
          n++;
        }
        counts.push(n);
        continue;
      }
      try {
        counts.push(await countRecords(path, { signal: ctx.signal }));
      } catch (e) {
        throw readError(e, path, ctx.signal);
      }
    }
    if (files.length === 1) {
      await ctx.stdout.write(`${counts[0]!}\n`);
      return 0;
    }
    const total = counts.reduce((a, b) => a + b, 0);
    const width = Math.max(...[...counts, total].map((c) => String(c).length));
    const lines = files.map((f, i) => `${String(counts[i]!).padStart(width)} ${f}`);
    lines.push(`${String(total).padStart(width)} total`);
    await ctx.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  },
});
