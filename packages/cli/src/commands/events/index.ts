/** The `pastiche events` group: TensorBoard event files. */
import { defineGroup } from '../../command.js';
import { eventsScalarsCommand } from './scalars.js';

/** `pastiche events ...`: read TensorBoard log directories. */
export const eventsGroup = defineGroup({
  name: 'events',
  summary: 'read TensorBoard event files and log directories',
  description:
    'Event files are TFRecord files of tensorflow.Event; `pastiche tfrecord cat` prints them record by record.',
  commands: [eventsScalarsCommand],
  examples: ['pastiche events scalars runs/ --tag "loss/*"'],
});
