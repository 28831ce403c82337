/**
 * `@pastiche/tfrecord/node`: files, streams and shards on Node.js. Everything
 * portable is re-exported, so Node users need only this entry.
 */
export * from '../index.js';
export { openRecordStream, openRecordStreamFrom, readExamples, readSequenceExamples } from './read.js';
export type { FileReadOptions, ReadableReadOptions } from './read.js';
export {
  tempPathFor,
  registerTemp,
  unregisterTemp,
  removeRegisteredTemps,
  cleanStaleTemps,
  writeFileAtomic,
  acquireLock,
} from './atomic.js';
export type { WriteFileAtomicOptions, Lock, LockInfo, AcquireLockOptions } from './atomic.js';
export { TFRecordWriter } from './write.js';
export type { WriterOptions } from './write.js';
export {
  activeFileCount,
  listFiles,
  files,
  recordsOfFiles,
  readRecordFiles,
  readExampleFiles,
  detectFileCompression,
} from './dataset.js';
export type { FileDatasetOptions } from './dataset.js';
export {
  buildIndex,
  readIndexFile,
  writeIndexFile,
  createIndexFile,
  countRecords,
  RecordFile,
  recordRange,
} from './index-file.js';
export type { IndexOptions, RecordFileOptions, RecordRangeOptions } from './index-file.js';
export { writeShards, shardPath, splitShardName, outputShardPath } from './shards.js';
export type { WriteShardsOptions, ShardInfo } from './shards.js';
export { EventFileWriter } from './events.js';
export type { EventFileWriterOptions } from './events.js';
export { walkLogdir } from './logdir.js';
export type { LogdirRun, WalkLogdirOptions } from './logdir.js';
