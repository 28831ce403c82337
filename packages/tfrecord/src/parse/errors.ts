/** Error construction for parsing: PARSE for data, INVALID_ARGUMENT for specs. */
import { TFRecordError } from '../errors.js';
import type { FeatureKind } from '../example/types.js';
import type { DType } from './types.js';

/** How a received value is shown in a validation message: `-1 of type number`. */
export function describe(value: unknown): string {
  let shown: string;
  if (typeof value === 'string') shown = JSON.stringify(value);
  else if (typeof value === 'bigint') shown = `${value}n`;
  else if (Array.isArray(value))
    shown = `[${value.map((v) => (typeof v === 'object' ? '...' : String(v))).join(', ')}]`;
  else if (typeof value === 'object' && value !== null) shown = Object.prototype.toString.call(value);
  else shown = String(value);
  return `${shown} of type ${value === null ? 'null' : typeof value}`;
}

/** INVALID_ARGUMENT in the package's message shape: `Expected X for Y but received Z of type T`. */
export function specError(expected: string, what: string, received: unknown): TFRecordError {
  return new TFRecordError('INVALID_ARGUMENT', `Expected ${expected} for ${what} but received ${describe(received)}`);
}

/** INVALID_ARGUMENT with a free-form message about the spec. */
export function specProblem(message: string): TFRecordError {
  return new TFRecordError('INVALID_ARGUMENT', message);
}

/** PARSE error about record `record` (its index within the batch). */
export function parseError(record: number, message: string): TFRecordError {
  return new TFRecordError('PARSE', `record ${record}: ${message}`, { record });
}

/** The protobuf name of a Feature kind, for messages. */
export const KIND_NAME: Readonly<Record<FeatureKind, string>> = {
  int64: 'int64_list',
  float: 'float_list',
  bytes: 'bytes_list',
  none: 'empty Feature',
};

/** The Feature kind that holds values of a dtype. */
export const KIND_OF: Readonly<Record<DType, Exclude<FeatureKind, 'none'>>> = {
  int64: 'int64',
  float32: 'float',
  string: 'bytes',
};

/** `[2, 3]` */
export function shapeString(shape: readonly (number | null)[]): string {
  return `[${shape.map((d) => (d === null ? 'None' : String(d))).join(', ')}]`;
}
