/**
 * VGG layer tables (Simonyan & Zisserman 2014): 3x3 convolutions with padding 1,
 * each followed by ReLU, and a 2x2/2 pooling between blocks. Layer names follow
 * the Gatys/CS20 convention (`conv4_2`) and map to Keras names (`block4_conv2`).
 */
import { StyleError } from '../errors.js';

/** Which VGG. */
export type VggVariant = 'vgg19' | 'vgg16';
/** A feature layer, 'conv1_1' .. 'conv5_4': the post-ReLU output of that convolution. */
export type LayerName = string;

/** A VGG-like architecture: blocks of 3x3 convs, 2x2/2 pooling between blocks. */
export interface VggArchitecture {
  /** Output channels and conv count per block (block 1 first). */
  readonly blocks: readonly { readonly channels: number; readonly convs: number }[];
  /** Channels of the input image (3). */
  readonly inChannels: number;
}

/** One convolution of an architecture. */
export interface ConvLayerInfo {
  /** 'conv{block}_{index}', 1-based. */
  name: LayerName;
  /** Keras name 'block{block}_conv{index}'. */
  keras: string;
  block: number;
  index: number;
  inChannels: number;
  outChannels: number;
  /** Number of poolings before this layer (block - 1). */
  pools: number;
}

/** The VGG-16 and VGG-19 architectures (convolutional part). */
export const VGG_ARCHITECTURES: Readonly<Record<VggVariant, VggArchitecture>> = {
  vgg19: {
    inChannels: 3,
    blocks: [
      { channels: 64, convs: 2 },
      { channels: 128, convs: 2 },
      { channels: 256, convs: 4 },
      { channels: 512, convs: 4 },
      { channels: 512, convs: 4 },
    ],
  },
  vgg16: {
    inChannels: 3,
    blocks: [
      { channels: 64, convs: 2 },
      { channels: 128, convs: 2 },
      { channels: 256, convs: 3 },
      { channels: 512, convs: 3 },
      { channels: 512, convs: 3 },
    ],
  },
};

/** All convolutions of an architecture (or variant), in order. */
export function convLayers(arch: VggArchitecture | VggVariant): ConvLayerInfo[] {
  const a = typeof arch === 'string' ? VGG_ARCHITECTURES[arch] : arch;
  const out: ConvLayerInfo[] = [];
  let inC = a.inChannels;
  a.blocks.forEach((b, bi) => {
    for (let i = 1; i <= b.convs; i++) {
      out.push({
        name: `conv${bi + 1}_${i}`,
        keras: `block${bi + 1}_conv${i}`,
        block: bi + 1,
        index: i,
        inChannels: inC,
        outChannels: b.channels,
        pools: bi,
      });
      inC = b.channels;
    }
  });
  return out;
}

/** Keras layer name of a feature layer: 'conv4_2' -> 'block4_conv2'. */
export function kerasName(layer: LayerName): string {
  const m = /^conv(\d+)_(\d+)$/.exec(layer);
  if (!m) throw new StyleError('INVALID_OPTION', `Expected a layer name like conv4_2 but received ${layer}`);
  return `block${m[1]}_conv${m[2]}`;
}

/** The layer info for each name; throws StyleError INVALID_OPTION for a name the network lacks. */
export function resolveLayers(arch: VggArchitecture | VggVariant, layers: readonly LayerName[]): ConvLayerInfo[] {
  const all = convLayers(arch);
  return layers.map((name) => {
    const hit = all.find((l) => l.name === name);
    if (!hit) {
      const label = typeof arch === 'string' ? arch : 'this network';
      throw new StyleError(
        'INVALID_OPTION',
        `Expected a layer of ${label} (${all[0]!.name} .. ${all[all.length - 1]!.name}) but received ${name}`,
      );
    }
    return hit;
  });
}

/** Smallest image side (px) for which `layers` all exist: 2^(pools before the deepest layer). */
export function minimumSide(arch: VggArchitecture | VggVariant, layers: readonly LayerName[]): number {
  const pools = Math.max(0, ...resolveLayers(arch, layers).map((l) => l.pools));
  return 2 ** pools;
}

/**
 * Feature shapes [channels, height, width] at `layers` for an image of
 * `height` x `width` px: each 2x2/2 pooling floors the size, or rounds it up
 * with `rounding` 'ceil' (TF's SAME pooling).
 */
export function featureShapes(
  variant: VggVariant | VggArchitecture,
  height: number,
  width: number,
  layers: readonly LayerName[],
  rounding: 'floor' | 'ceil' = 'floor',
): Record<LayerName, [number, number, number]> {
  const halve = rounding === 'ceil' ? (v: number) => Math.ceil(v / 2) : (v: number) => Math.floor(v / 2);
  const out: Record<LayerName, [number, number, number]> = {};
  for (const l of resolveLayers(variant, layers)) {
    let h = height;
    let w = width;
    for (let p = 0; p < l.pools; p++) {
      h = halve(h);
      w = halve(w);
    }
    out[l.name] = [l.outChannels, h, w];
  }
  return out;
}
