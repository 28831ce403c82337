/**
 * A small seeded PRNG: xoshiro128** (Blackman & Vigna) seeded through
 * splitmix32, so equal seeds give equal streams on every platform.
 */

function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** Deterministic pseudo-random numbers from a seed (any safe integer). */
export class SeededRandom {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** `seed`: a safe integer; its high and low 32 bits both matter. */
  constructor(seed: number) {
    const hi = Math.floor(seed / 0x1_0000_0000) >>> 0;
    const sm = splitmix32((seed >>> 0) ^ Math.imul(hi, 0x27d4eb2d));
    this.a = sm();
    this.b = sm();
    this.c = sm();
    this.d = sm();
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** Next uniform uint32. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform float in [0, 1) with 53 random bits. */
  nextFloat(): number {
    return ((this.nextUint32() >>> 5) * 0x4000000 + (this.nextUint32() >>> 6)) / 0x20000000000000;
  }

  /** Uniform integer in [0, n), n a positive safe integer; unbiased. */
  nextInt(n: number): number {
    if (n <= 0x1_0000_0000) {
      // Rejection sampling keeps small ranges exactly uniform.
      const limit = 0x1_0000_0000 - (0x1_0000_0000 % n);
      for (;;) {
        const r = this.nextUint32();
        if (r < limit) return r % n;
      }
    }
    return Math.floor(this.nextFloat() * n);
  }

  /** A new seed derived from this stream (for per-epoch seeds). */
  nextSeed(): number {
    return this.nextUint32() * 0x200000 + (this.nextUint32() >>> 11);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** A fresh seed when the caller gave none. */
export function randomSeed(): number {
  return Math.floor(Math.random() * Number.MAX_SAFE_INTEGER);
}
