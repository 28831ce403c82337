/**
 * The Node environment of the portable core: onnxruntime-node runs the graphs
 * and sharp resizes (Lanczos-3, its default kernel, the filter neural-style's
 * quality definition names).
 */
import sharp from 'sharp';
import { nodeRuntime } from '../runtime/node.js';
import type { ResizeFit, RgbImage, StyleEnvironment } from './core.js';

/** Resizes 8-bit RGB pixels with sharp (Lanczos-3; 'cover' crops the centre). */
export async function sharpResize(image: RgbImage, width: number, height: number, fit: ResizeFit): Promise<RgbImage> {
  const { data, info } = await sharp(image.pixels, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize({ width, height, fit: fit === 'cover' ? 'cover' : 'fill', position: 'centre', kernel: 'lanczos3' })
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  return {
    pixels: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    width: info.width,
    height: info.height,
  };
}

/** onnxruntime-node + sharp. */
export const nodeEnvironment: StyleEnvironment = { runtime: nodeRuntime, resize: sharpResize };
