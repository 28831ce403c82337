/** Turning a record argument (bytes or an already decoded message) into features, with the record index on errors. */
import { TFRecordError } from '../errors.js';
import { decodeExample, decodeSequenceExample } from '../example/decode.js';
import type { Example, Features, SequenceExample } from '../example/types.js';
import { specError } from './errors.js';

/** Adds "record i: " and the `record` field to an error that has no record yet. */
export function withRecord(e: unknown, record: number): unknown {
  if (!(e instanceof TFRecordError) || e.record !== undefined) return e;
  return new TFRecordError(e.code, `record ${record}: ${e.message}`, {
    record,
    cause: e,
    ...(e.offset === undefined ? {} : { offset: e.offset }),
    ...(e.file === undefined ? {} : { file: e.file }),
  });
}

/** The features of an Example given as bytes or as an Example object. */
export function exampleFeatures(record: Uint8Array | Example, index: number): Features {
  if (record instanceof Uint8Array) {
    try {
      return decodeExample(record).features;
    } catch (e) {
      throw withRecord(e, index);
    }
  }
  if (
    typeof record === 'object' &&
    record !== null &&
    typeof record.features === 'object' &&
    record.features !== null
  ) {
    return record.features;
  }
  throw specError('Uint8Array or Example', `record ${index}`, record);
}

/** A SequenceExample given as bytes or as a SequenceExample object. */
export function sequenceExampleOf(record: Uint8Array | SequenceExample, index: number): SequenceExample {
  if (record instanceof Uint8Array) {
    try {
      return decodeSequenceExample(record);
    } catch (e) {
      throw withRecord(e, index);
    }
  }
  if (
    typeof record === 'object' &&
    record !== null &&
    typeof record.context === 'object' &&
    record.context !== null &&
    typeof record.featureLists === 'object' &&
    record.featureLists !== null
  ) {
    return record;
  }
  throw specError('Uint8Array or SequenceExample', `record ${index}`, record);
}

/**
 * Assigns `value` to `out[key]`; `__proto__` is defined as an own property so
 * a spec key can never change the result's prototype.
 */
export function setResult(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}
