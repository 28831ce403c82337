/** `pastiche tfrecord index`: write tfrecord2idx-style index files. */
import { buildIndex, writeIndexFile } from '@pastiche/tfrecord/node';
import type { RecordIndex } from '@pastiche/tfrecord/node';
import { defineCommand } from '../../command.js';
import { CliError, usageError } from '../../errors.js';
import { plural } from '../../format.js';
import { guardOutputs } from '../../guard.js';
import { flagOption, parseNonEmpty, customOption, stringOption } from '../../options.js';
import { fileError, fileFacts } from '../../tfrecord/records.js';

/** Writes FILE.index for each FILE: one line `offset size` per record (size = data + 16 bytes). */
export const indexCommand = defineCommand({
  name: 'index',
  summary: 'write an index file (offset and size of each record)',
  usage: 'FILE... [-o INDEX] [--suffix .idx]',
  description: `
Writes FILE.index next to each FILE, in the format of the Python tfrecord
package's tfrecord2idx and NVIDIA DALI: one line "offset size" per record, where
offset is the byte position of the record's header and size its framed length
(data + 16 bytes). Only the record headers are read (each length checksum is
verified, the bodies are skipped), so indexing is fast; use 'verify' to check
the data checksums too. Index offsets address the bytes of an uncompressed
file, so GZIP/ZLIB files are refused (convert them with --compression none).`,
  options: (c) =>
    c
      .addOption(stringOption('-o, --output <INDEX>', 'Index path (only with a single FILE)'))
      .addOption(
        customOption('--suffix <SUFFIX>', 'Suffix appended to FILE for the index path', (text, flag) =>
          parseNonEmpty(flag, text, 'suffix'),
        ).default('.index', '.index'),
      )
      .addOption(flagOption('-q, --quiet', 'Print nothing on success')),
  positionals: { name: 'FILE', min: 1 },
  examples: ['pastiche tfrecord index train-*.tfrecord', 'pastiche tfrecord index data.tfrecord --suffix .idx'],
  async run({ opts, positionals, hint }, ctx) {
    const output = opts.output;
    const suffix = opts.suffix;
    if (output !== undefined && positionals.length > 1) {
      throw usageError(`Option --output needs a single FILE but received ${positionals.length}`, hint);
    }
    // Every index is checked against every input before the first is written.
    const targets = positionals.map((p) => output ?? `${p}${suffix}`);
    await guardOutputs({ cwd: ctx.cwd, inputs: positionals, outputs: targets });
    for (const [i, path] of positionals.entries()) {
      const facts = await fileFacts(path);
      if (facts.compression !== 'none') {
        throw new CliError(
          `${path}: cannot index a ${facts.compression.toUpperCase()}-compressed file: index offsets address an uncompressed file (run 'pastiche tfrecord convert ${path} -o OUT --compression none' first)`,
        );
      }
      const target = targets[i]!;
      let index: RecordIndex;
      try {
        index = await buildIndex(path, { signal: ctx.signal });
        await writeIndexFile(target, index);
      } catch (e) {
        throw fileError(e, path);
      }
      if (opts.quiet !== true) await ctx.stdout.write(`${target}: ${plural(index.count, 'record')}\n`);
    }
    return 0;
  },
});
