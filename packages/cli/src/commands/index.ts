/**
 * The command registry: the tree under `pastiche`. To add a command, write one
 * module exporting a Command (see README.md here) and add one line to its group.
 */
import type { CommandGroup } from '../command.js';
import { defineGroup } from '../command.js';
import { tfrecordGroup } from './tfrecord/index.js';
import { eventsGroup } from './events/index.js';
import { stylizeCommand } from './stylize.js';
import { stylizeDatasetCommand } from './stylize-dataset.js';
import { demoCommand } from './demo.js';
import { weightsGroup } from './weights.js';
import { studioCommand } from './studio.js';
import { INTERRUPT_GRACE_MS } from '../errors.js';

/** The root of the command tree (`pastiche`). */
export const rootGroup: CommandGroup = defineGroup({
  name: 'pastiche',
  summary: 'TFRecord datasets and neural style transfer',
  description: `
Exit codes: 0 success; 1 bad data (a corrupt or truncated file, a failed
check, an I/O error); 2 bad usage (unknown command or option, invalid value,
an output that is one of the inputs); 130 interrupted. SIGINT, SIGTERM or
SIGHUP (Ctrl-C, kill, timeout, docker stop, a closed terminal) all interrupt a
command the same way: its temporary files are removed, every final name is
left as it was (outputs appear only when complete), and it exits with 130.
A second signal, or a command still running ${INTERRUPT_GRACE_MS / 1000} s after the first, ends it at once.`,
  commands: [
    tfrecordGroup,
    eventsGroup,
    stylizeCommand,
    stylizeDatasetCommand,
    demoCommand,
    studioCommand,
    weightsGroup,
  ],
  examples: ['pastiche tfrecord cat data.tfrecord | head -n 2', 'pastiche tfrecord verify shards/*.tfrecord.gz'],
});
