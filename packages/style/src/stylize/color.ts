/**
 * Colour preservation (Gatys et al. 2016, "Preserving color in neural
 * artistic style transfer", luminance-only transfer as neural-style's
 * -original_colors 1): the result's luminance with the content's chroma, in YIQ.
 */

const clamp = (v: number): number => (v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v));

/**
 * Combines the luminance Y of `result` with the chroma I, Q of `content`
 * (both RGB HWC 8-bit, same size); returns new RGB pixels. Only rounding and
 * clipping at the gamut's edge move the chroma away from the content's.
 */
export function originalColors(result: Uint8Array, content: Uint8Array): Uint8Array {
  if (result.length !== content.length) {
    throw new RangeError(`originalColors: ${result.length} result bytes against ${content.length} content bytes`);
  }
  const out = new Uint8Array(result.length);
  for (let p = 0; p < result.length; p += 3) {
    const y = 0.299 * result[p]! + 0.587 * result[p + 1]! + 0.114 * result[p + 2]!;
    const r = content[p]!;
    const g = content[p + 1]!;
    const b = content[p + 2]!;
    const i = 0.595716 * r - 0.274453 * g - 0.321263 * b;
    const q = 0.211456 * r - 0.522591 * g + 0.311135 * b;
    out[p] = clamp(y + 0.9563 * i + 0.621 * q);
    out[p + 1] = clamp(y - 0.2721 * i - 0.6474 * q);
    out[p + 2] = clamp(y - 1.107 * i + 1.7046 * q);
  }
  return out;
}

/** YIQ of one RGB pixel (for tests and diagnostics). */
export function rgbToYiq(r: number, g: number, b: number): [number, number, number] {
  return [
    0.299 * r + 0.587 * g + 0.114 * b,
    0.595716 * r - 0.274453 * g - 0.321263 * b,
    0.211456 * r - 0.522591 * g + 0.311135 * b,
  ];
}
