/**
 * Synthetic VGG weights for the weights tests: TF.js layers models and Keras
 * HDF5 files with full VGG shapes and values given by a formula, so a test can
 * check any element after the [kh,kw,in,out] -> [out,in,kh,kw] transposition.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VGG16_LAYERS, VGG19_LAYERS } from '../src/weights/vgg.js';
import type { VggLayerSpec } from '../src/weights/vgg.js';

/** Keras-order flat index -> value, distinct per layer; in [-0.5, 0.5). */
export function kerasValue(layerIndex: number, flat: number): number {
  return (((flat + 1) * 7919 + layerIndex * 104729) % 1000) / 1000 - 0.5;
}

/** Bias value of output channel o. */
export function biasValue(layerIndex: number, o: number): number {
  return ((o * 31 + layerIndex * 17) % 100) / 50 - 1;
}

/** Layer specs of a variant. */
export function specs(variant: 'vgg16' | 'vgg19'): readonly VggLayerSpec[] {
  return variant === 'vgg19' ? VGG19_LAYERS : VGG16_LAYERS;
}

/** Keras-layout kernel [3,3,in,out] and bias of one layer as float32. */
export function kerasLayer(li: number, spec: VggLayerSpec): { kernel: Float32Array; bias: Float32Array } {
  const kernel = new Float32Array(9 * spec.inChannels * spec.outChannels);
  for (let s = 0; s < kernel.length; s++) kernel[s] = kerasValue(li, s);
  const bias = new Float32Array(spec.outChannels);
  for (let o = 0; o < bias.length; o++) bias[o] = biasValue(li, o);
  return { kernel, bias };
}

/** Keras flat index of kernel element (y, x, in i, out o). */
export function kerasIndex(spec: VggLayerSpec, y: number, x: number, i: number, o: number): number {
  return ((y * 3 + x) * spec.inChannels + i) * spec.outChannels + o;
}

/** How a synthetic TF.js model stores its tensors. */
export type TfjsStorage = 'float32' | 'uint8' | 'uint16' | 'float16';

/** Quantization parameters used by the fixtures (value = q * scale + min). */
export const QUANT = { scale: 0.004, min: -0.5 };

/** The quantized integer stored for flat index s (uint8 or uint16). */
export function quantValue(li: number, s: number, storage: 'uint8' | 'uint16'): number {
  const max = storage === 'uint8' ? 255 : 65535;
  return ((s + 1) * 7919 + li * 104729) % (max + 1);
}

const scratchF = new Float32Array(1);
const scratchU = new Uint32Array(scratchF.buffer);

function float16Bits(v: number): number {
  // Truncating encoding: exact rounding is not needed, only a reproducible value the test decodes independently.
  scratchF[0] = v;
  const u = scratchU[0] as number;
  const sign = (u >>> 16) & 0x8000;
  const exp = ((u >>> 23) & 0xff) - 127 + 15;
  const mant = (u >>> 13) & 0x3ff;
  if (exp <= 0) return sign;
  if (exp >= 31) return sign | 0x7c00;
  return sign | (exp << 10) | mant;
}

/** Decodes float16 bits (test side, independent of the loader's decoder). */
export function float16Value(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** float16 bits stored by the fixtures for a float value. */
export const toFloat16 = float16Bits;

export interface TfjsFixtureOptions {
  variant: 'vgg16' | 'vgg19';
  storage: TfjsStorage;
  /** Shard size in bytes (default 4 MiB, like the TF.js converter). */
  shardBytes?: number;
  /** Layers to leave out of the manifest. */
  omit?: string[];
  /** Overrides the manifest shape of a layer's kernel. */
  kernelShape?: Record<string, number[]>;
  /** Prefix for weight names (e.g. 'vgg19/'). */
  namePrefix?: string;
  /** Write a SHA256SUMS beside model.json. */
  sha256sums?: boolean;
}

/**
 * Writes a TF.js layers model into `dir` and returns its model.json path.
 * Stored values: float32/float16 = kerasValue; uint8/uint16 = quantValue (kernel and bias).
 */
export async function writeTfjsModel(dir: string, o: TfjsFixtureOptions): Promise<string> {
  await mkdir(dir, { recursive: true });
  const weights: object[] = [];
  const chunks: Uint8Array[] = [];
  specs(o.variant).forEach((spec, li) => {
    if (o.omit?.includes(spec.name)) return;
    for (const part of ['kernel', 'bias'] as const) {
      const shape =
        part === 'kernel'
          ? (o.kernelShape?.[spec.name] ?? [3, 3, spec.inChannels, spec.outChannels])
          : [spec.outChannels];
      const n = shape.reduce((a, b) => a * b, 1);
      const entry: Record<string, unknown> = {
        name: `${o.namePrefix ?? ''}${spec.name}/${part}`,
        shape,
        dtype: 'float32',
      };
      const value = (s: number): number => (part === 'kernel' ? kerasValue(li, s) : biasValue(li, s));
      let bytes: Uint8Array;
      if (o.storage === 'float32') {
        const a = new Float32Array(n);
        for (let s = 0; s < n; s++) a[s] = value(s);
        bytes = new Uint8Array(a.buffer);
      } else if (o.storage === 'float16') {
        const a = new Uint16Array(n);
        for (let s = 0; s < n; s++) a[s] = float16Bits(value(s));
        bytes = new Uint8Array(a.buffer);
        entry['quantization'] = { dtype: 'float16', original_dtype: 'float32' };
      } else {
        const a = o.storage === 'uint8' ? new Uint8Array(n) : new Uint16Array(n);
        for (let s = 0; s < n; s++) a[s] = quantValue(li, s, o.storage);
        bytes = new Uint8Array(a.buffer);
        entry['quantization'] = { dtype: o.storage, original_dtype: 'float32', ...QUANT };
      }
      weights.push(entry);
      chunks.push(bytes);
    }
  });
  const all = Buffer.concat(chunks);
  const shardBytes = o.shardBytes ?? 4 * 1024 * 1024;
  const count = Math.max(1, Math.ceil(all.length / shardBytes));
  const paths: string[] = [];
  for (let k = 0; k < count; k++) {
    const name = `group1-shard${k + 1}of${count}.bin`;
    paths.push(name);
    await writeFile(join(dir, name), all.subarray(k * shardBytes, (k + 1) * shardBytes));
  }
  const modelJson = join(dir, 'model.json');
  await writeFile(
    modelJson,
    JSON.stringify({ format: 'layers-model', modelTopology: {}, weightsManifest: [{ paths, weights }] }),
  );
  if (o.sha256sums === true) {
    const { readFile } = await import('node:fs/promises');
    const lines: string[] = [];
    for (const f of ['model.json', ...paths])
      lines.push(
        `${createHash('sha256')
          .update(await readFile(join(dir, f)))
          .digest('hex')}  ${f}`,
      );
    await writeFile(join(dir, 'SHA256SUMS'), `${lines.join('\n')}\n`);
  }
  return modelJson;
}

/** Layouts of Keras HDF5 weight files. */
export type KerasLayout = 'keras1' | 'keras2' | 'keras3';

export interface H5FixtureOptions {
  variant: 'vgg16' | 'vgg19';
  layout: KerasLayout;
  omit?: string[];
}

/**
 * Writes a Keras HDF5 weights file with h5wasm:
 * - keras1: `layer_names`, `weight_names`, datasets `<layer>/<layer>_W_1:0`, `<layer>/<layer>_b_1:0`;
 * - keras2: same attributes, datasets `<layer>/<layer>/kernel:0`, `<layer>/<layer>/bias:0`;
 * - keras3: `layers/<layer>/vars/0` and `vars/1`.
 */
export async function writeKerasH5(path: string, o: H5FixtureOptions): Promise<void> {
  const h5wasm = (await import('h5wasm/node')).default;
  await h5wasm.ready;
  const f = new h5wasm.File(path, 'w');
  try {
    const layers = specs(o.variant).filter((s) => !o.omit?.includes(s.name));
    const names = [...layers.map((s) => s.name), 'block5_pool'];
    if (o.layout !== 'keras3') {
      f.create_attribute('layer_names', names, null, 'S16');
      f.create_attribute('backend', 'tensorflow');
      f.create_attribute('keras_version', o.layout === 'keras1' ? '1.2.2' : '2.2.4');
    }
    const root = o.layout === 'keras3' ? f.create_group('layers') : f;
    root.create_group('block5_pool');
    specs(o.variant).forEach((spec, li) => {
      if (o.omit?.includes(spec.name)) return;
      const { kernel, bias } = kerasLayer(li, spec);
      const g = root.create_group(spec.name);
      const kshape = [3, 3, spec.inChannels, spec.outChannels];
      if (o.layout === 'keras1') {
        const wn = [`${spec.name}_W_1:0`, `${spec.name}_b_1:0`];
        g.create_attribute('weight_names', wn, null, 'S24');
        g.create_dataset({ name: wn[0] as string, data: kernel, shape: kshape, dtype: '<f' });
        g.create_dataset({ name: wn[1] as string, data: bias, shape: [spec.outChannels], dtype: '<f' });
      } else if (o.layout === 'keras2') {
        g.create_attribute('weight_names', [`${spec.name}/kernel:0`, `${spec.name}/bias:0`], null, 'S32');
        const inner = g.create_group(spec.name);
        inner.create_dataset({ name: 'kernel:0', data: kernel, shape: kshape, dtype: '<f' });
        inner.create_dataset({ name: 'bias:0', data: bias, shape: [spec.outChannels], dtype: '<f' });
      } else {
        const vars = g.create_group('vars');
        vars.create_dataset({ name: '0', data: kernel, shape: kshape, dtype: '<f' });
        vars.create_dataset({ name: '1', data: bias, shape: [spec.outChannels], dtype: '<f' });
      }
    });
  } finally {
    f.close();
  }
}
