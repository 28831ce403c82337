/**
 * tf.io.parse_single_example / tf.io.parse_example for TypeScript: a spec is
 * validated and compiled once into per-feature readers that work straight on the
 * decoded Example's typed arrays (a single record's dense results are zero-copy
 * views; a batch copies each record once into its output tensor).
 */
import type { Example, Features } from '../example/types.js';
import { fixedLenParser, fixedLenSequenceParser } from './dense.js';
import { specError } from './errors.js';
import type { FeatureParser } from './feature.js';
import { raggedParser } from './ragged.js';
import { exampleFeatures, setResult } from './record.js';
import type { ParseSpec, ParsedFeatures } from './spec.js';
import { sparseParser, varLenParser } from './sparse.js';
import { normaliseSpec } from './validate.js';
import type { NFeature } from './validate.js';

/** A record to parse: serialized Example bytes, or an already decoded Example. */
export type ExampleRecord = Uint8Array | Example;

/** A compiled Example spec; reuse it for every record (no per-record validation). */
export interface ExampleParser<S extends ParseSpec = ParseSpec> {
  /** The spec this parser was compiled from. */
  readonly spec: S;
  /**
   * Parses one record (tf.io.parse_single_example). `recordIndex` (default 0) is
   * the record number used in error messages. Dense results may share memory
   * with the decoded Example.
   */
  parse(record: ExampleRecord, recordIndex?: number): ParsedFeatures<S>;
  /** Parses a batch (tf.io.parse_example): every tensor gains an outer batch dimension. */
  parseBatch(records: readonly ExampleRecord[]): ParsedFeatures<S>;
}

/** Compiles one normalised feature for an Example spec. */
export function compileFeature(f: NFeature, label = 'feature', emptyIsMissing = true): FeatureParser {
  switch (f.kind) {
    case 'fixedLen':
      return fixedLenParser(f, label, emptyIsMissing);
    case 'fixedLenSequence':
      return fixedLenSequenceParser(f);
    case 'varLen':
      return varLenParser(f, label);
    case 'sparse':
      return sparseParser(f);
    case 'ragged':
      return raggedParser(f, label);
  }
}

/**
 * Validates `spec` (INVALID_ARGUMENT naming the spec key on any problem) and
 * compiles it into a reusable {@link ExampleParser}.
 */
export function compileSpec<S extends ParseSpec>(spec: S): ExampleParser<S> {
  const parsers = normaliseSpec(spec, 'example').map((f) => compileFeature(f));
  const run = (features: Features, record: number): ParsedFeatures<S> => {
    const out: Record<string, unknown> = {};
    for (const p of parsers) setResult(out, p.name, p.single(features, record));
    return out as ParsedFeatures<S>;
  };
  return {
    spec,
    parse(record, recordIndex = 0) {
      return run(exampleFeatures(record, recordIndex), recordIndex);
    },
    parseBatch(records) {
      if (!Array.isArray(records)) throw specError('array of records', 'records', records);
      const batch = new Array<Features>(records.length);
      for (let i = 0; i < records.length; i++) batch[i] = exampleFeatures(records[i] as ExampleRecord, i);
      const out: Record<string, unknown> = {};
      for (const p of parsers) setResult(out, p.name, p.batch(batch));
      return out as ParsedFeatures<S>;
    },
  };
}

// Compiled parsers per spec object, so repeated parseExample calls validate once.
const cache = new WeakMap<object, ExampleParser>();

function cached<S extends ParseSpec>(spec: S): ExampleParser<S> {
  if (typeof spec !== 'object' || spec === null) return compileSpec(spec);
  let p = cache.get(spec);
  if (p === undefined) {
    p = compileSpec(spec);
    cache.set(spec, p);
  }
  return p as unknown as ExampleParser<S>;
}

/**
 * Parses one Example (bytes or decoded) with `spec`, as tf.io.parse_single_example.
 * The compiled spec is cached per spec object: treat specs as immutable.
 */
export function parseExample<S extends ParseSpec>(record: ExampleRecord, spec: S): ParsedFeatures<S> {
  return cached(spec).parse(record);
}

/** Parses a batch of Examples with `spec`, as tf.io.parse_example (outer dimension = batch). */
export function parseExamples<S extends ParseSpec>(records: readonly ExampleRecord[], spec: S): ParsedFeatures<S> {
  return cached(spec).parseBatch(records);
}
