/**
 * FixedLenFeature and (Example) FixedLenSequenceFeature: dense tensors.
 * TF semantics (example_proto_fast_parsing.cc): a Feature with no kind set counts
 * as missing for dense features of an Example; the value count must equal
 * product(shape) exactly; a missing feature takes the default or is an error.
 */
import type { Features } from '../example/types.js';
import { KIND_OF, parseError, shapeString } from './errors.js';
import { kindError } from './feature.js';
import type { FeatureParser } from './feature.js';
import type { AnyValues, DenseTensor } from './types.js';
import type { NFixedLen, NFixedLenSeq } from './validate.js';
import { allocValues, cloneValues, copyInto, emptyValues, featureGetter } from './values.js';

/**
 * Compiles a FixedLenFeature. `emptyIsMissing` is TF's Example behaviour; in a
 * SequenceExample context TF counts a kind-less Feature as present with 0 values.
 */
export function fixedLenParser(f: NFixedLen, label = 'feature', emptyIsMissing = true): FeatureParser {
  const get = featureGetter(f.name);
  const kind = KIND_OF[f.dtype];
  const where = `${label} '${f.name}'`;
  const { stride, shape, dtype, defaultValues } = f;
  const countError = (record: number, n: number): Error =>
    parseError(record, `${where} has ${n} values, spec shape ${shapeString(shape)} needs ${stride}`);

  /** The record's values, or undefined when the feature is missing. */
  const read = (features: Features, record: number): AnyValues | undefined => {
    const ft = get(features);
    if (ft === undefined) return undefined;
    if (ft.kind !== kind) {
      if (ft.kind !== 'none') throw kindError(record, where, ft, dtype);
      if (emptyIsMissing) return undefined;
      if (stride !== 0) throw countError(record, 0);
      return emptyValues(dtype);
    }
    const v = ft.values;
    if (v.length !== stride) throw countError(record, v.length);
    return v;
  };
  const missing = (record: number): AnyValues => {
    if (defaultValues === undefined) {
      throw parseError(record, `required ${where} is missing (no default_value)`);
    }
    return defaultValues;
  };
  const batchShape = (n: number): number[] => [n, ...shape];

  return {
    name: f.name,
    single(features, record): DenseTensor {
      const v = read(features, record);
      // The default is shared by every record, so callers get a copy they may mutate.
      return { kind: 'dense', values: v ?? cloneValues(missing(record)), shape };
    },
    batch(batch): DenseTensor {
      const n = batch.length;
      const out = allocValues(dtype, n * stride);
      if (stride === 1) {
        // Scalars dominate real specs; indexing beats a one-element set().
        const o = out as unknown as unknown[];
        for (let i = 0; i < n; i++) {
          const v = read(batch[i] as Features, i) ?? missing(i);
          o[i] = (v as unknown as unknown[])[0];
        }
      } else {
        for (let i = 0; i < n; i++) {
          const v = read(batch[i] as Features, i) ?? missing(i);
          copyInto(out, v, i * stride);
        }
      }
      return { kind: 'dense', values: out, shape: batchShape(n) };
    },
  };
}

/**
 * Compiles a FixedLenSequenceFeature of an Example spec: `k * product(shape)`
 * values read as `[k, ...shape]`; a batch pads every record to the longest with
 * the padding value, as TF's parse_example does.
 */
export function fixedLenSequenceParser(f: NFixedLenSeq): FeatureParser {
  const get = featureGetter(f.name);
  const kind = KIND_OF[f.dtype];
  const where = `feature '${f.name}'`;
  const { stride, shape, dtype, pad } = f;
  const read = (features: Features, record: number): AnyValues => {
    const ft = get(features);
    if (ft === undefined || ft.kind === 'none') return emptyValues(dtype);
    if (ft.kind !== kind) throw kindError(record, where, ft, dtype);
    const v = ft.values;
    if (v.length % stride !== 0) {
      throw parseError(
        record,
        `${where} has ${v.length} values, spec shape [None, ${shape.join(', ')}] needs a multiple of ${stride}`,
      );
    }
    return v;
  };
  return {
    name: f.name,
    single(features, record): DenseTensor {
      const v = read(features, record);
      return { kind: 'dense', values: v, shape: [v.length / stride, ...shape] };
    },
    batch(batch): DenseTensor {
      const n = batch.length;
      const parts: AnyValues[] = new Array<AnyValues>(n);
      let maxLen = 0;
      for (let i = 0; i < n; i++) {
        const v = read(batch[i] as Features, i);
        parts[i] = v;
        if (v.length > maxLen) maxLen = v.length;
      }
      const out = allocValues(dtype, n * maxLen, pad);
      for (let i = 0; i < n; i++) copyInto(out, parts[i] as AnyValues, i * maxLen);
      return { kind: 'dense', values: out, shape: [n, maxLen / stride, ...shape] };
    },
  };
}
