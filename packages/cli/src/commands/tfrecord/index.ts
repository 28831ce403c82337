/** The `pastiche tfrecord` group: one line per command. */
import { defineGroup } from '../../command.js';
import { indexCommand } from './build-index.js';
import { catCommand } from './cat.js';
import { convertCommand } from './convert.js';
import { countCommand } from './count.js';
import { fromImagesCommand } from './from-images.js';
import { fromJsonlCommand } from './from-jsonl.js';
import { headCommand } from './head.js';
import { inspectCommand } from './inspect.js';
import { toImagesCommand } from './to-images.js';
import { verifyCommand } from './verify.js';

/** `pastiche tfrecord ...`: read, check and convert TFRecord files. */
export const tfrecordGroup = defineGroup({
  name: 'tfrecord',
  summary: 'read, check and convert TFRecord files',
  description:
    'Every command reads plain, GZIP and ZLIB files alike (the compression is detected from the first bytes).',
  commands: [
    catCommand,
    headCommand,
    inspectCommand,
    countCommand,
    verifyCommand,
    indexCommand,
    convertCommand,
    fromJsonlCommand,
    fromImagesCommand,
    toImagesCommand,
  ],
  examples: ['pastiche tfrecord cat train.tfrecord.gz --limit 3', 'pastiche tfrecord verify shards/*'],
});
