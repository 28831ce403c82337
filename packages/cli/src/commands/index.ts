/**
 * The command registry: the tree under `pastiche`. To add a command, write one
 * module exporting a Command (see README.md here) and add one line to its group.
 */
import type { CommandGroup } from '../command.js';
import { defineGroup } from '../command.js';
import { tfrecordGroup } from './tfrecord/index.js';
import { stylizeCommand } from './stylize.js';
import { stylizeDatasetCommand } from './stylize-dataset.js';
import { demoCommand } from './demo.js';
import { weightsGroup } from './weights.js';

/** The root of the command tree (`pastiche`). */
export const rootGroup: CommandGroup = defineGroup({
  name: 'pastiche',
  summary: 'TFRecord datasets and neural style transfer',
  commands: [tfrecordGroup, stylizeCommand, stylizeDatasetCommand, demoCommand, weightsGroup],
  examples: ['pastiche tfrecord cat data.tfrecord | head -n 2', 'pastiche tfrecord verify shards/*.tfrecord.gz'],
});
