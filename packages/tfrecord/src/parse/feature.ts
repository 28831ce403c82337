/** The shape of a compiled per-feature parser, shared by the Example and SequenceExample paths. */
import type { Feature, Features } from '../example/types.js';
import { KIND_NAME, parseError } from './errors.js';
import type { TFRecordError } from '../errors.js';
import type { DType, Tensor } from './types.js';

/** One compiled feature of an Example spec. */
export interface FeatureParser {
  /** Output name (the spec key). */
  readonly name: string;
  /** Parses the feature from one record's features; `record` is used in messages. */
  single(features: Features, record: number): Tensor;
  /** Parses the feature from a batch; messages name the index in `batch`. */
  batch(batch: readonly Features[]): Tensor;
}

/** "record 3: feature 'label' is a float_list, spec says int64" */
export function kindError(record: number, where: string, feature: Feature, dtype: DType): TFRecordError {
  const kind = KIND_NAME[feature.kind];
  return parseError(record, `${where} is ${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind}, spec says ${dtype}`);
}
