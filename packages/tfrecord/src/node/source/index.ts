/**
 * The one byte source of the Node entry: opening, reading, decompressing and
 * end-of-stream checks for every reader (record streams, dataset file
 * sources, counting, RecordFile, index building, standard input).
 */
export {
  CHUNK_BYTES,
  activeFileCount,
  ioError,
  openCounted,
  readAbortError,
  readFileBytes,
} from './files.js';
export type { CountedFile, FileBytesOptions } from './files.js';
export { detectFileCompression, fileBytes, readableBytes } from './bytes.js';
export type { ByteSourceOptions } from './bytes.js';
export { inflate } from './inflate.js';
export { ChunkBatches, readerOptionsOf, recordsOf, recordsOfBatches } from './records.js';
export type { RecordBatch, RecordBatchSource, RecordsOfOptions } from './records.js';
