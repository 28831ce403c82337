/**
 * A tiny protobuf wire builder for hand-made test vectors, independent of the
 * encoder under test: every byte is spelled out from the encoding spec; and the seeded PRNG the fuzz tests share.
 */
import type { Feature, Features, SequenceExample } from '../src/example/types.js';

/** Concatenates byte arrays and plain byte numbers. */
export function bytes(...parts: (Uint8Array | number[] | number)[]): Uint8Array {
  const flat: number[] = [];
  for (const p of parts) {
    if (typeof p === 'number') flat.push(p);
    else flat.push(...p);
  }
  return Uint8Array.from(flat);
}

/** Varint of a non-negative bigint or number; negative values as 64-bit two's complement (10 bytes). */
export function varint(value: number | bigint): number[] {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  while (v > 0x7fn) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

/** Field key. */
export function tag(field: number, wireType: number): number[] {
  return varint((field << 3) | wireType);
}

/** Length-delimited field. */
export function ld(field: number, ...body: (Uint8Array | number[] | number)[]): Uint8Array {
  const b = bytes(...body);
  return bytes(tag(field, 2), varint(b.length), b);
}

/** UTF-8 bytes of a string. */
export function utf8(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

/** Little-endian float32 bytes. */
export function f32(v: number): number[] {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setFloat32(0, v, true);
  return [...b];
}

/** A map entry: key (field 1) then value (field 2). */
export function entry(key: string, value: Uint8Array): Uint8Array {
  return bytes(ld(1, utf8(key)), ld(2, value));
}

/** Example { features { feature: entries } } from map entries. */
export function example(...entries: Uint8Array[]): Uint8Array {
  return ld(1, ...entries.map((e) => ld(1, e)));
}

/** One unknown field of each wire type (varint, fixed64, length-delimited, fixed32, group) at field 15.. */
export const UNKNOWN_FIELDS: Uint8Array = bytes(
  tag(15, 0),
  varint(-5n),
  tag(16, 1),
  [1, 2, 3, 4, 5, 6, 7, 8],
  ld(17, [9, 9, 9]),
  tag(18, 5),
  [1, 2, 3, 4],
  tag(19, 3),
  tag(1, 0),
  [7],
  tag(20, 3),
  ld(2, [1]),
  tag(20, 4),
  tag(19, 4),
);

/** Hex of bytes, for assertion messages. */
export function hex(b: Uint8Array): string {
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ');
}

/** A comparable plain form of a Feature: int64 as decimal strings, floats as their exact bit patterns. */
export function norm(f: Feature): { kind: string; values?: string[] } {
  switch (f.kind) {
    case 'int64':
      return { kind: 'int64', values: [...f.values].map(String) };
    case 'float':
      return {
        kind: 'float',
        values: [...new Uint32Array(f.values.buffer, f.values.byteOffset, f.values.length)].map((u) => u.toString(16)),
      };
    case 'bytes':
      return { kind: 'bytes', values: f.values.map(hex) };
    default:
      return { kind: 'none' };
  }
}

/** Features as [name, normalised feature] pairs in iteration order. */
export function normFeatures(fs: Features): [string, ReturnType<typeof norm>][] {
  return Object.keys(fs).map((k) => [k, norm(fs[k]!)]);
}

/** A SequenceExample in comparable form. */
export function normSequence(se: SequenceExample): unknown {
  return {
    context: normFeatures(se.context),
    lists: Object.keys(se.featureLists).map((k) => [k, se.featureLists[k]!.map(norm)]),
  };
}

/** Small seeded PRNG (mulberry32), so a failure names a reproducible seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
