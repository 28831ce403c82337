/**
 * tf.io.parse_single_sequence_example / parse_sequence_example: a context spec
 * (fixedLen, varLen, ragged) and a sequence spec (fixedLenSequence, varLen,
 * ragged) over the feature lists, with TF's fast-parser rules
 * (example_proto_fast_parsing.cc): every step of a fixedLenSequence list holds
 * exactly product(shape) values; a missing list is an error unless
 * allowMissing; in the context a kind-less Feature is present with 0 values;
 * a batch pads fixedLenSequence lists to the longest with zeros (empty bytes).
 */
import type { Feature, Features, SequenceExample } from '../example/types.js';
import { KIND_OF, parseError, shapeString, specError } from './errors.js';
import { compileFeature } from './example.js';
import { kindError } from './feature.js';
import { buildItem, mergeItems, mergedTensor, raggedLayout } from './ragged.js';
import type { RaggedItem } from './ragged.js';
import { sequenceExampleOf, setResult } from './record.js';
import type { ParseSpec, ParsedFeatures } from './spec.js';
import type { AnyValues, DType, Tensor } from './types.js';
import { normaliseSpec } from './validate.js';
import type { NFeature, NRagged } from './validate.js';
import { allocValues, concatValues, copyInto, emptyValues, listGetter } from './values.js';

/** Result of parsing one SequenceExample. */
export interface SequenceParseResult<C extends ParseSpec, S extends ParseSpec> {
  /** Context features, parsed as an Example with the context spec. */
  context: ParsedFeatures<C>;
  /** Sequence features; the outer dimension is the step. */
  sequence: ParsedFeatures<S>;
  /**
   * Number of steps of each sequence feature (TF's feature_list_lengths, which TF
   * returns for fixedLenSequence features; given here for every sequence feature).
   */
  lengths: { -readonly [K in keyof S]: number };
}

/** Result of parsing a batch of SequenceExamples: outer dimension = record, then step. */
export interface SequenceBatchResult<C extends ParseSpec, S extends ParseSpec> {
  context: ParsedFeatures<C>;
  sequence: ParsedFeatures<S>;
  /** Steps per record of each sequence feature (TF's feature_list_lengths). */
  lengths: { -readonly [K in keyof S]: number[] };
}

/** A record to parse: serialized SequenceExample bytes, or a decoded one. */
export type SequenceExampleRecord = Uint8Array | SequenceExample;

/** A compiled SequenceExample spec; reuse it for every record. */
export interface SequenceExampleParser<C extends ParseSpec = ParseSpec, S extends ParseSpec = ParseSpec> {
  readonly contextSpec: C;
  readonly sequenceSpec: S;
  /** Parses one SequenceExample; `recordIndex` (default 0) is used in error messages. */
  parse(record: SequenceExampleRecord, recordIndex?: number): SequenceParseResult<C, S>;
  /**
   * Parses a batch (tf.io.parse_sequence_example): context tensors gain a batch
   * dimension; fixedLenSequence features are `[batch, maxSteps, ...shape]`
   * padded with zeros; varLen indices are `[record, step, i]`; ragged features
   * gain two outer ragged dimensions (record, step).
   */
  parseBatch(records: readonly SequenceExampleRecord[]): SequenceBatchResult<C, S>;
}

type Lists = Record<string, Feature[]>;

/** Per-record intermediate form of a sequence feature. */
interface Steps {
  /** Step count. */
  readonly steps: number;
}

interface SequenceFeatureParser {
  readonly name: string;
  single(lists: Lists, record: number): { tensor: Tensor; steps: number };
  batch(lists: readonly Lists[]): { tensor: Tensor; steps: number[] };
}

/** Values of one step: kind-less -> empty, wrong kind -> error. */
function stepValues(ft: Feature, kind: string, dtype: DType, record: number, where: string, step: number): AnyValues {
  if (ft.kind === 'none') return emptyValues(dtype);
  if (ft.kind !== kind) throw kindError(record, `${where} step ${step}`, ft, dtype);
  return ft.values;
}

function fixedLenSequenceList(f: NFeature & { kind: 'fixedLenSequence' }): SequenceFeatureParser {
  const where = `feature list '${f.name}'`;
  const get = listGetter(f.name);
  const kind = KIND_OF[f.dtype];
  const { stride, shape, dtype, allowMissing } = f;
  const read = (lists: Lists, record: number): Steps & { values: AnyValues } => {
    const list = get(lists);
    if (list === undefined) {
      if (!allowMissing) throw parseError(record, `required ${where} is missing (allowMissing is false)`);
      return { steps: 0, values: emptyValues(dtype) };
    }
    const parts = new Array<AnyValues>(list.length);
    for (let s = 0; s < list.length; s++) {
      const v = stepValues(list[s] as Feature, kind, dtype, record, where, s);
      if (v.length !== stride) {
        throw parseError(
          record,
          `${where} step ${s} has ${v.length} values, spec shape ${shapeString(shape)} needs ${stride}`,
        );
      }
      parts[s] = v;
    }
    return { steps: list.length, values: concatValues(dtype, parts, list.length * stride) };
  };
  return {
    name: f.name,
    single(lists, record) {
      const { steps, values } = read(lists, record);
      return { tensor: { kind: 'dense', values, shape: [steps, ...shape] }, steps };
    },
    batch(batch) {
      const recs = batch.map((lists, r) => read(lists, r));
      const maxSteps = Math.max(0, ...recs.map((x) => x.steps));
      const per = maxSteps * stride;
      // TF pads sequence batches with zeros / empty bytes (PadFloatFeature), not default_value.
      const out = allocValues(dtype, batch.length * per);
      recs.forEach((x, r) => copyInto(out, x.values, r * per));
      return {
        tensor: { kind: 'dense', values: out, shape: [batch.length, maxSteps, ...shape] },
        steps: recs.map((x) => x.steps),
      };
    },
  };
}

function varLenList(f: NFeature & { kind: 'varLen' }): SequenceFeatureParser {
  const where = `feature list '${f.name}'`;
  const get = listGetter(f.name);
  const kind = KIND_OF[f.dtype];
  const { dtype } = f;
  const read = (lists: Lists, record: number): AnyValues[] =>
    (get(lists) ?? []).map((ft, s) => stepValues(ft, kind, dtype, record, where, s));
  /** Writes index rows `[...prefix, step, i]`; returns values, count and widest step. */
  const assemble = (recs: readonly AnyValues[][], batched: boolean) => {
    let total = 0;
    let maxCols = 0;
    for (const parts of recs) {
      for (const p of parts) {
        total += p.length;
        if (p.length > maxCols) maxCols = p.length;
      }
    }
    const w = batched ? 3 : 2;
    const indices = new BigInt64Array(total * w);
    let k = 0;
    recs.forEach((parts, r) => {
      const rb = BigInt(r);
      parts.forEach((p, s) => {
        const sb = BigInt(s);
        for (let i = 0; i < p.length; i++) {
          if (batched) indices[k++] = rb;
          indices[k++] = sb;
          indices[k++] = BigInt(i);
        }
      });
    });
    return { indices, values: concatValues(dtype, recs.flat(), total), maxCols };
  };
  return {
    name: f.name,
    single(lists, record) {
      const parts = read(lists, record);
      const { indices, values, maxCols } = assemble([parts], false);
      return { tensor: { kind: 'sparse', indices, values, denseShape: [parts.length, maxCols] }, steps: parts.length };
    },
    batch(batch) {
      const recs = batch.map((lists, r) => read(lists, r));
      const { indices, values, maxCols } = assemble(recs, true);
      const steps = recs.map((p) => p.length);
      return {
        tensor: { kind: 'sparse', indices, values, denseShape: [batch.length, Math.max(0, ...steps), maxCols] },
        steps,
      };
    },
  };
}

function raggedList(f: NRagged): SequenceFeatureParser {
  const layout = raggedLayout(f);
  const depth = layout.levelPartitions.length;
  const where = `ragged sequence feature '${f.name}'`;
  const valueWhere =
    f.valueKey === f.name ? `feature list '${f.name}'` : `feature list '${f.valueKey}' (values of ${where})`;
  const getValues = listGetter(f.valueKey);
  const valueKind = KIND_OF[f.dtype];
  const partGetters = layout.levelPartitions.map((p) =>
    p.kind === 'uniformRowLength' ? undefined : listGetter(p.key),
  );
  /** The record's steps merged into one item whose rows are the steps. */
  const read = (lists: Lists, record: number): RaggedItem => {
    const valueList = getValues(lists) ?? [];
    const steps = valueList.length;
    const partLists = partGetters.map((g, l) => {
      if (g === undefined) return undefined;
      const key = (layout.levelPartitions[l] as { key: string }).key;
      const pl = g(lists) ?? [];
      if (pl.length !== steps) {
        throw parseError(
          record,
          `${where}: partition feature list '${key}' has ${pl.length} steps but value feature list '${f.valueKey}' has ${steps}`,
        );
      }
      return { key, list: pl };
    });
    const items = new Array<RaggedItem>(steps);
    for (let s = 0; s < steps; s++) {
      const values = stepValues(valueList[s] as Feature, valueKind, f.dtype, record, valueWhere, s);
      const parts = partLists.map((pl) =>
        pl === undefined
          ? undefined
          : (stepValues(
              pl.list[s] as Feature,
              'int64',
              'int64',
              record,
              `feature list '${pl.key}' (partition of ${where})`,
              s,
            ) as BigInt64Array),
      );
      items[s] = buildItem(layout, values, parts, (m) => parseError(record, `${where} step ${s}: ${m}`));
    }
    return mergeItems(f.dtype, items, depth);
  };
  return {
    name: f.name,
    single(lists, record) {
      const item = read(lists, record);
      return { tensor: mergedTensor(layout, item, 1), steps: item.rows };
    },
    batch(batch) {
      const items = batch.map((lists, r) => read(lists, r));
      return {
        tensor: mergedTensor(layout, mergeItems(f.dtype, items, depth + 1), 2),
        steps: items.map((it) => it.rows),
      };
    },
  };
}

function compileSequenceFeature(f: NFeature): SequenceFeatureParser {
  switch (f.kind) {
    case 'fixedLenSequence':
      return fixedLenSequenceList(f);
    case 'varLen':
      return varLenList(f);
    case 'ragged':
      return raggedList(f);
    default:
      // normaliseSpec rejects the other kinds for the sequence role.
      throw new Error(`unreachable: ${f.kind} in a sequence spec`);
  }
}

/**
 * Validates both specs (INVALID_ARGUMENT naming the key) and compiles them into a
 * reusable {@link SequenceExampleParser}.
 */
export function compileSequenceSpec<C extends ParseSpec, S extends ParseSpec>(
  contextSpec: C,
  sequenceSpec: S,
): SequenceExampleParser<C, S> {
  // TF's sequence-example context counts a kind-less Feature as present with 0 values.
  const context = normaliseSpec(contextSpec, 'context').map((f) => compileFeature(f, 'context feature', false));
  const sequence = normaliseSpec(sequenceSpec, 'sequence').map(compileSequenceFeature);
  return {
    contextSpec,
    sequenceSpec,
    parse(record, recordIndex = 0) {
      const se = sequenceExampleOf(record, recordIndex);
      const ctx: Record<string, unknown> = {};
      for (const p of context) setResult(ctx, p.name, p.single(se.context, recordIndex));
      const seq: Record<string, unknown> = {};
      const lengths: Record<string, number> = {};
      for (const p of sequence) {
        const { tensor, steps } = p.single(se.featureLists, recordIndex);
        setResult(seq, p.name, tensor);
        setResult(lengths, p.name, steps);
      }
      return {
        context: ctx as ParsedFeatures<C>,
        sequence: seq as ParsedFeatures<S>,
        lengths: lengths as SequenceParseResult<C, S>['lengths'],
      };
    },
    parseBatch(records) {
      if (!Array.isArray(records)) throw specError('array of records', 'records', records);
      const ses = records.map((r, i) => sequenceExampleOf(r, i));
      const contexts: Features[] = ses.map((se) => se.context);
      const lists: Lists[] = ses.map((se) => se.featureLists);
      const ctx: Record<string, unknown> = {};
      for (const p of context) setResult(ctx, p.name, p.batch(contexts));
      const seq: Record<string, unknown> = {};
      const lengths: Record<string, number[]> = {};
      for (const p of sequence) {
        const { tensor, steps } = p.batch(lists);
        setResult(seq, p.name, tensor);
        setResult(lengths, p.name, steps);
      }
      return {
        context: ctx as ParsedFeatures<C>,
        sequence: seq as ParsedFeatures<S>,
        lengths: lengths as SequenceBatchResult<C, S>['lengths'],
      };
    },
  };
}

/** Parses one SequenceExample (bytes or decoded), as tf.io.parse_single_sequence_example plus lengths. */
export function parseSequenceExample<C extends ParseSpec, S extends ParseSpec>(
  record: SequenceExampleRecord,
  contextSpec: C,
  sequenceSpec: S,
): SequenceParseResult<C, S> {
  return compileSequenceSpec(contextSpec, sequenceSpec).parse(record);
}

/** Parses a batch of SequenceExamples, as tf.io.parse_sequence_example (see {@link SequenceExampleParser.parseBatch}). */
export function parseSequenceExamples<C extends ParseSpec, S extends ParseSpec>(
  records: readonly SequenceExampleRecord[],
  contextSpec: C,
  sequenceSpec: S,
): SequenceBatchResult<C, S> {
  return compileSequenceSpec(contextSpec, sequenceSpec).parseBatch(records);
}
