/**
 * `@pastiche/tfrecord/node`: files, streams and shards on Node.js. Everything
 * portable is re-exported, so Node users need only this entry.
 */
export * from '../index.js';
