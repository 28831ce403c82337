/**
 * Checks a parse spec once, at compile time, and normalises it. Every message
 * names the spec key. The key-set rules follow TF's _ParseOpParams: dense,
 * sparse and ragged feature keys must be disjoint, and a key read twice in one
 * role must be read with one dtype.
 */
import { specError, specProblem, shapeString } from './errors.js';
import type { DefaultValue, FeatureSpec, Partition } from './spec.js';
import type { AnyValues, DType, SplitsDType } from './types.js';
import { product } from './values.js';

/** Normalised FixedLenFeature. */
export interface NFixedLen {
  readonly kind: 'fixedLen';
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly stride: number;
  /** undefined when required (no default, or an empty one, as TF). */
  readonly defaultValues: AnyValues | undefined;
}
/** Normalised FixedLenSequenceFeature. */
export interface NFixedLenSeq {
  readonly kind: 'fixedLenSequence';
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly stride: number;
  readonly allowMissing: boolean;
  /** One padding value. */
  readonly pad: AnyValues;
}
/** Normalised VarLenFeature. */
export interface NVarLen {
  readonly kind: 'varLen';
  readonly name: string;
  readonly dtype: DType;
}
/** Normalised SparseFeature. */
export interface NSparse {
  readonly kind: 'sparse';
  readonly name: string;
  readonly dtype: DType;
  readonly indexKeys: readonly string[];
  readonly valueKey: string;
  readonly size: readonly number[];
  readonly alreadySorted: boolean;
}
/** Normalised RaggedFeature. */
export interface NRagged {
  readonly kind: 'ragged';
  readonly name: string;
  readonly dtype: DType;
  readonly valueKey: string;
  readonly partitions: readonly Partition[];
  readonly splitsDtype: SplitsDType;
}
/** Any normalised feature spec. */
export type NFeature = NFixedLen | NFixedLenSeq | NVarLen | NSparse | NRagged;

/** Where a spec is used; decides which kinds are allowed (as TF's parse functions). */
export type SpecRole = 'example' | 'context' | 'sequence';

const ALLOWED: Readonly<Record<SpecRole, readonly FeatureSpec['kind'][]>> = {
  example: ['fixedLen', 'fixedLenSequence', 'varLen', 'sparse', 'ragged'],
  context: ['fixedLen', 'varLen', 'ragged'],
  sequence: ['fixedLenSequence', 'varLen', 'ragged'],
};
const ROLE_NAME: Readonly<Record<SpecRole, string>> = {
  example: 'an Example spec',
  context: 'a SequenceExample context spec',
  sequence: 'a SequenceExample sequence spec',
};
const DTYPES: readonly string[] = ['int64', 'float32', 'string'];
const PARTITION_KINDS: readonly string[] = ['rowSplits', 'rowLengths', 'rowStarts', 'rowLimits', 'valueRowIds'];

function quoteList(xs: readonly string[]): string {
  return xs.map((x) => `'${x}'`).join(', ');
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkDType(v: unknown, what: string): DType {
  if (typeof v !== 'string' || !DTYPES.includes(v)) throw specError(`one of ${quoteList(DTYPES)}`, what, v);
  return v as DType;
}

function checkShape(v: unknown, what: string): number[] {
  if (!Array.isArray(v) || !v.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
    throw specError('array of non-negative integers', what, v);
  }
  return (v as number[]).slice();
}

function checkKey(v: unknown, what: string): string {
  if (typeof v !== 'string' || v.length === 0) throw specError('non-empty string', what, v);
  return v;
}

const encoder = new TextEncoder();

function flattenDefault(v: DefaultValue, dtype: DType, out: unknown[]): void {
  if (Array.isArray(v)) {
    for (const x of v as readonly DefaultValue[]) flattenDefault(x, dtype, out);
  } else if (ArrayBuffer.isView(v) && !(dtype === 'string' && v instanceof Uint8Array)) {
    const a = v as unknown as ArrayLike<unknown>;
    for (let i = 0; i < a.length; i++) out.push(a[i]);
  } else {
    out.push(v);
  }
}

/** Converts a user default to a values container of `dtype` (flattened row-major). */
function convertDefault(v: unknown, dtype: DType, what: string): AnyValues {
  const flat: unknown[] = [];
  flattenDefault(v as DefaultValue, dtype, flat);
  if (dtype === 'int64') {
    const out = new BigInt64Array(flat.length);
    flat.forEach((x, i) => {
      if (typeof x === 'number' && Number.isSafeInteger(x)) out[i] = BigInt(x);
      else if (typeof x === 'bigint' && BigInt.asIntN(64, x) === x) out[i] = x;
      else throw specError('integers in the int64 range', what, x);
    });
    return out;
  }
  if (dtype === 'float32') {
    const out = new Float32Array(flat.length);
    flat.forEach((x, i) => {
      if (typeof x !== 'number') throw specError('numbers', what, x);
      out[i] = x;
    });
    return out;
  }
  return flat.map((x) => {
    if (typeof x === 'string') return encoder.encode(x);
    if (x instanceof Uint8Array) return x;
    throw specError('strings or Uint8Arrays', what, x);
  });
}

function normaliseOne(name: string, spec: unknown, role: SpecRole, label: string): NFeature {
  const where = `${label} '${name}'`;
  const allowed = ALLOWED[role];
  const kind = isRecord(spec) ? spec['kind'] : undefined;
  if (!isRecord(spec) || typeof kind !== 'string' || !(ALLOWED.example as readonly string[]).includes(kind)) {
    throw specError(`a feature spec (fixedLen, fixedLenSequence, varLen, sparse or ragged)`, where, spec);
  }
  if (!(allowed as readonly string[]).includes(kind)) {
    throw specProblem(
      `${where}: ${kind} is not supported in ${ROLE_NAME[role]} (as in TF; allowed: ${allowed.join(', ')})`,
    );
  }
  const dtype = checkDType(spec['dtype'], `dtype of ${where}`);
  switch (kind) {
    case 'fixedLen': {
      const shape = checkShape(spec['shape'], `shape of ${where}`);
      const stride = product(shape);
      let defaultValues: AnyValues | undefined;
      if (spec['defaultValue'] !== undefined) {
        defaultValues = convertDefault(spec['defaultValue'], dtype, `defaultValue of ${where}`);
        if (defaultValues.length !== stride && defaultValues.length !== 0) {
          throw specProblem(
            `${where}: defaultValue has ${defaultValues.length} values, shape ${shapeString(shape)} needs ${stride}`,
          );
        }
        // TF treats an empty default as "no default": the feature is required.
        if (defaultValues.length === 0) defaultValues = undefined;
      }
      return { kind, name, dtype, shape, stride, defaultValues };
    }
    case 'fixedLenSequence': {
      const shape = checkShape(spec['shape'], `shape of ${where}`);
      const stride = product(shape);
      if (stride === 0) throw specError('a shape with at least one element', `shape of ${where}`, spec['shape']);
      const allowMissing = spec['allowMissing'] ?? false;
      if (typeof allowMissing !== 'boolean') throw specError('boolean', `allowMissing of ${where}`, allowMissing);
      if (role === 'example' && !allowMissing) {
        throw specProblem(`${where}: fixedLenSequence in an Example spec requires allowMissing: true (as TF)`);
      }
      let pad: AnyValues;
      if (spec['defaultValue'] !== undefined) {
        pad = convertDefault(spec['defaultValue'], dtype, `defaultValue of ${where}`);
        if (pad.length !== 1) {
          throw specProblem(`${where}: defaultValue must be a single padding value, received ${pad.length} values`);
        }
      } else {
        pad =
          dtype === 'int64' ? new BigInt64Array(1) : dtype === 'float32' ? new Float32Array(1) : [new Uint8Array(0)];
      }
      return { kind, name, dtype, shape, stride, allowMissing, pad };
    }
    case 'varLen':
      return { kind, name, dtype };
    case 'sparse': {
      const rawIndex = spec['indexKey'];
      const rawSize = spec['size'];
      let indexKeys: string[];
      let size: number[];
      if (typeof rawIndex === 'string') {
        indexKeys = [checkKey(rawIndex, `indexKey of ${where}`)];
        if (!Number.isSafeInteger(rawSize) || (rawSize as number) < 0) {
          throw specError('a non-negative integer (indexKey is a string)', `size of ${where}`, rawSize);
        }
        size = [rawSize as number];
      } else if (Array.isArray(rawIndex) && rawIndex.length > 0) {
        indexKeys = rawIndex.map((k, i) => checkKey(k, `indexKey[${i}] of ${where}`));
        if (!Array.isArray(rawSize) || rawSize.length !== indexKeys.length) {
          throw specError(
            `an array of ${indexKeys.length} non-negative integers (one per indexKey)`,
            `size of ${where}`,
            rawSize,
          );
        }
        size = checkShape(rawSize, `size of ${where}`);
      } else {
        throw specError('a non-empty string or array of strings', `indexKey of ${where}`, rawIndex);
      }
      const valueKey = checkKey(spec['valueKey'], `valueKey of ${where}`);
      const alreadySorted = spec['alreadySorted'] ?? false;
      if (typeof alreadySorted !== 'boolean') throw specError('boolean', `alreadySorted of ${where}`, alreadySorted);
      return { kind, name, dtype, indexKeys, valueKey, size, alreadySorted };
    }
    default: {
      // ragged
      const valueKey = spec['valueKey'] === undefined ? name : checkKey(spec['valueKey'], `valueKey of ${where}`);
      const splitsDtype = spec['rowSplitsDtype'] ?? 'int32';
      if (splitsDtype !== 'int32' && splitsDtype !== 'int64') {
        throw specError(`one of 'int32', 'int64'`, `rowSplitsDtype of ${where}`, splitsDtype);
      }
      const rawParts = spec['partitions'] ?? [];
      if (!Array.isArray(rawParts)) throw specError('array of partitions', `partitions of ${where}`, rawParts);
      const partitions: Partition[] = rawParts.map((p: unknown, i: number): Partition => {
        const pw = `partitions[${i}] of ${where}`;
        if (!isRecord(p)) throw specError('a partition object', pw, p);
        if (p['kind'] === 'uniformRowLength') {
          const length = p['length'];
          if (!Number.isSafeInteger(length) || (length as number) < 1) {
            throw specError('a positive integer', `length of ${pw}`, length);
          }
          return { kind: 'uniformRowLength', length: length as number };
        }
        if (typeof p['kind'] !== 'string' || !PARTITION_KINDS.includes(p['kind'])) {
          throw specError(`one of ${quoteList([...PARTITION_KINDS, 'uniformRowLength'])}`, `kind of ${pw}`, p['kind']);
        }
        return { kind: p['kind'], key: checkKey(p['key'], `key of ${pw}`) } as Partition;
      });
      return { kind: 'ragged', name, dtype, valueKey, partitions, splitsDtype };
    }
  }
}

type Role = 'dense' | 'sparse' | 'ragged';

/** Validates and normalises a whole spec (an object of feature specs). */
export function normaliseSpec(spec: unknown, role: SpecRole): NFeature[] {
  const label = role === 'example' ? 'feature' : role === 'context' ? 'context feature' : 'sequence feature';
  if (!isRecord(spec)) {
    const what = role === 'example' ? 'spec' : role === 'context' ? 'context spec' : 'sequence spec';
    throw specError('an object of feature specs', what, spec);
  }
  const out: NFeature[] = [];
  const uses = new Map<string, { role: Role; dtype: string; by: string }>();
  const use = (key: string, r: Role, dtype: string, by: string): void => {
    const prev = uses.get(key);
    if (prev === undefined) {
      uses.set(key, { role: r, dtype, by });
    } else if (prev.role !== r) {
      throw specProblem(
        `key '${key}' is read as ${prev.role} by ${label} '${prev.by}' and as ${r} by ${label} '${by}'; ` +
          'dense, sparse and ragged keys must be disjoint (as TF)',
      );
    } else if (prev.dtype !== dtype) {
      throw specProblem(
        `key '${key}' is read as ${prev.dtype} by ${label} '${prev.by}' and as ${dtype} by ${label} '${by}'`,
      );
    }
  };
  for (const name of Object.keys(spec)) {
    const f = normaliseOne(name, spec[name], role, label);
    switch (f.kind) {
      case 'fixedLen':
      case 'fixedLenSequence':
        use(name, 'dense', f.dtype, name);
        break;
      case 'varLen':
        use(name, 'sparse', f.dtype, name);
        break;
      case 'sparse':
        for (const k of f.indexKeys) use(k, 'sparse', 'int64', name);
        use(f.valueKey, 'sparse', f.dtype, name);
        break;
      case 'ragged':
        use(f.valueKey, 'ragged', `${f.dtype} (row splits ${f.splitsDtype})`, name);
        for (const p of f.partitions) {
          if (p.kind !== 'uniformRowLength') use(p.key, 'ragged', `int64 (row splits ${f.splitsDtype})`, name);
        }
        break;
    }
    out.push(f);
  }
  return out;
}
