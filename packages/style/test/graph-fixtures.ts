/**
 * Test fixtures for the graph tests: a seeded random source, random weights for
 * any VGG-like architecture, and a tiny architecture.
 */
import { convLayers } from '../src/network/vgg.js';
import type { VggArchitecture } from '../src/network/vgg.js';
import type { VggWeights } from '../src/weights/types.js';

/** mulberry32: a small seeded PRNG giving floats in [0, 1) (the one the initial image uses). */
import { mulberry32 as rng } from '../src/stylize/random.js';
export { rng };

/** A Float32Array of `n` values uniform in [-scale, scale). */
export function randomArray(n: number, random: () => number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (random() * 2 - 1) * scale;
  return a;
}

/** Random weights (He-like scale) for every conv of `arch`. */
export function randomWeights(arch: VggArchitecture, seed = 1, biasScale = 0.1): VggWeights {
  const random = rng(seed);
  const w: VggWeights = new Map();
  for (const l of convLayers(arch)) {
    const scale = Math.sqrt(6 / (l.inChannels * 9));
    w.set(l.keras, {
      name: l.keras,
      outChannels: l.outChannels,
      inChannels: l.inChannels,
      kh: 3,
      kw: 3,
      kernel: randomArray(l.outChannels * l.inChannels * 9, random, scale),
      bias: randomArray(l.outChannels, random, biasScale),
    });
  }
  return w;
}

/** A tiny VGG-like network: conv1_1, conv1_2 | pool | conv2_1 | pool | conv3_1. */
export const TINY: VggArchitecture = {
  inChannels: 3,
  blocks: [
    { channels: 4, convs: 2 },
    { channels: 5, convs: 1 },
    { channels: 6, convs: 1 },
  ],
};
