/** Test fixtures: temporary workspaces, generated images, the shared weights and data. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { absent, sharedPath } from '@pastiche/testing';

/** The shared VGG-19 weights folder, if present. */
export const WEIGHTS = sharedPath('weights', 'vgg19-imagenet-uint8');
/** Skip reason for tests that need the weights, or false. */
export const NEEDS_WEIGHTS: string | false = WEIGHTS === undefined ? absent('weights/vgg19-imagenet-uint8') : false;

/** A fresh temporary folder; remove it with the returned function. */
export async function tempDir(prefix = 'pastiche-studio-'): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** A PNG of `width` x `height` pixels with a smooth pattern (channel values from the seed). */
export async function patternPng(width: number, height: number, seed = 1): Promise<Uint8Array> {
  const px = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      px[o] = (x * 255) / width;
      px[o + 1] = (y * 255) / height;
      px[o + 2] = ((x + y) * seed * 37) % 256;
    }
  }
  return new Uint8Array(
    await sharp(px, { raw: { width, height, channels: 3 } })
      .png()
      .toBuffer(),
  );
}

/** A PNG of one colour: tiny as a file, `width` x `height` pixels when decoded. */
export async function flatPng(width: number, height: number): Promise<Uint8Array> {
  const png = sharp({ create: { width, height, channels: 3, background: { r: 200, g: 120, b: 40 } } }).png();
  return new Uint8Array(await png.toBuffer());
}
