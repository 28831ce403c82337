/**
 * `verifyWeights(path)`: checksums where known, then a full structural load.
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { isStyleError } from '../errors.js';
import { KERAS_VGG19_NOTOP } from './cache.js';
import { checkSha256Sums, hashFile } from './checksums.js';
import { loadKerasH5Weights } from './keras-h5.js';
import { locateWeights } from './load.js';
import { loadTfjsWeights } from './tfjs.js';
import type { VggWeights } from './types.js';
import { countParameters, weightsVariant } from './vgg.js';

/** Result of {@link verifyWeights}. */
export interface VerifyWeightsResult {
  /** True when every check passed. */
  ok: boolean;
  /** One line per check, e.g. 'sha256 ok: 21 files (SHA256SUMS)' and 'VGG-19: 16 conv layers, 20,024,384 parameters, uint8-quantized'. */
  detail: string;
}

async function tfjsStorage(modelJson: string): Promise<string> {
  const m = JSON.parse(await readFile(modelJson, 'utf8')) as {
    weightsManifest: { weights: { dtype: string; quantization?: { dtype: string } }[] }[];
  };
  const kinds = new Set(
    m.weightsManifest.flatMap((g) =>
      g.weights.map((w) => (w.quantization === undefined ? w.dtype : `${w.quantization.dtype}-quantized`)),
    ),
  );
  return [...kinds].sort().join('+');
}

/**
 * Verifies a weights path: every file of a SHA256SUMS beside it, the md5 Keras
 * publishes when the file is the Keras VGG19 notop file, then a full load with
 * shape checks. Never throws for bad weights; `ok` is false and `detail` says why.
 */
export async function verifyWeights(path: string): Promise<VerifyWeightsResult> {
  const lines: string[] = [];
  let ok = true;
  try {
    const source = await locateWeights(path);
    const dir = dirname(source.file);
    const sums = await checkSha256Sums(dir);
    if (sums !== undefined) {
      for (const m of sums.mismatched)
        lines.push(`sha256 MISMATCH: ${m.name} (SHA256SUMS says ${m.expected}, file has ${m.actual})`);
      for (const m of sums.missing) lines.push(`MISSING: ${m} (listed in SHA256SUMS)`);
      if (sums.mismatched.length + sums.missing.length > 0) ok = false;
      else lines.push(`sha256 ok: ${sums.checked.length} files (SHA256SUMS)`);
    }
    if (source.format === 'keras-h5' && basename(source.file) === KERAS_VGG19_NOTOP.fileName) {
      const md5 = await hashFile(source.file, 'md5');
      if (md5 === KERAS_VGG19_NOTOP.md5) lines.push(`md5 ok: ${md5} (published by Keras)`);
      else {
        ok = false;
        lines.push(`md5 MISMATCH: ${md5}; Keras publishes ${KERAS_VGG19_NOTOP.md5} for ${KERAS_VGG19_NOTOP.fileName}`);
      }
    }
    let weights: VggWeights;
    let storage: string;
    if (source.format === 'tfjs-layers') {
      weights = await loadTfjsWeights(source.file, { checksums: false });
      storage = await tfjsStorage(source.file);
    } else {
      weights = await loadKerasH5Weights(source.file);
      storage = 'float32';
    }
    const variant = weightsVariant(weights);
    lines.push(
      `${variant === 'vgg19' ? 'VGG-19' : 'VGG-16'}: ${weights.size} conv layers, ${countParameters(weights).toLocaleString('en-US')} parameters, ` +
        `${storage} (${source.format === 'tfjs-layers' ? 'TF.js layers model' : 'Keras HDF5'} ${source.file})`,
    );
  } catch (e) {
    ok = false;
    lines.push(isStyleError(e) ? `${e.code}: ${e.message}` : `error: ${(e as Error).message}`);
  }
  return { ok, detail: lines.join('\n') };
}
