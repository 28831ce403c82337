/**
 * Conversion between 8-bit RGB pixels and the tensors the Keras/Caffe VGG
 * weights expect: NCHW float32, BGR channel order, 0..255 minus the ImageNet
 * mean. Every image that enters or leaves the network goes through here.
 */

/** ImageNet mean per channel in BGR order (Caffe preprocessing), in 0..255 units. */
export const VGG_MEAN_BGR: readonly [number, number, number] = [103.939, 116.779, 123.68];

/** A preprocessed image: NCHW [1, 3, height, width] float32, BGR, mean subtracted. */
export interface StyleImage {
  /** Length 3 * width * height; plane 0 is blue, 1 green, 2 red. */
  data: Float32Array;
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
}

/**
 * HWC RGB uint8 pixels (3 channels, row-major) to the network's NCHW BGR
 * mean-subtracted float32 layout.
 */
export function fromPixels(pixels: Uint8Array, width: number, height: number): Float32Array {
  const plane = width * height;
  if (pixels.length !== plane * 3) {
    throw new RangeError(
      `expected ${plane * 3} bytes of RGB pixels for ${width}x${height} but received ${pixels.length}`,
    );
  }
  const out = new Float32Array(plane * 3);
  const [mb, mg, mr] = VGG_MEAN_BGR;
  for (let i = 0, p = 0; i < plane; i++, p += 3) {
    out[i] = pixels[p + 2]! - mb;
    out[plane + i] = pixels[p + 1]! - mg;
    out[2 * plane + i] = pixels[p]! - mr;
  }
  return out;
}

/**
 * Deprocess: NCHW BGR mean-subtracted float32 to HWC RGB uint8 (adds the mean
 * back, swaps BGR to RGB, clips to 0..255 and rounds to nearest).
 */
export function toPixels(data: Float32Array, width: number, height: number): Uint8Array {
  const plane = width * height;
  if (data.length !== plane * 3) {
    throw new RangeError(`expected ${plane * 3} values for a 3x${height}x${width} image but received ${data.length}`);
  }
  const out = new Uint8Array(plane * 3);
  const [mb, mg, mr] = VGG_MEAN_BGR;
  for (let i = 0, p = 0; i < plane; i++, p += 3) {
    out[p] = clampByte(data[2 * plane + i]! + mr);
    out[p + 1] = clampByte(data[plane + i]! + mg);
    out[p + 2] = clampByte(data[i]! + mb);
  }
  return out;
}

function clampByte(v: number): number {
  // NaN maps to 0 rather than poisoning the output silently as garbage.
  if (!(v > 0)) return 0;
  return v >= 255 ? 255 : Math.round(v);
}
