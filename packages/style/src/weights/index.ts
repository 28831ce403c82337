/**
 * VGG weights: loaders (TF.js layers models, Keras HDF5) and provisioning
 * (flag, environment, cache, checksum-verified download).
 */
export type { ConvWeights, VggWeights } from './types.js';
export {
  VGG16_LAYERS,
  VGG19_LAYERS,
  countParameters,
  detectVariant,
  fromKerasKernel,
  validateVggWeights,
  vggLayers,
  weightsVariant,
} from './vgg.js';
export type { VggLayerSpec, VggWeightsVariant } from './vgg.js';
export { loadWeights, locateWeights } from './load.js';
export type { LoadWeightsOptions, WeightsFormat, WeightsSource } from './load.js';
export { loadTfjsWeights } from './tfjs.js';
export type { TfjsLoadOptions } from './tfjs.js';
export { isHdf5File, loadKerasH5Weights } from './keras-h5.js';
export { checkSha256Sums, digestAlgorithm, hashFile, parseSha256Sums } from './checksums.js';
export type { DigestAlgorithm, Sha256SumsResult } from './checksums.js';
export { KERAS_VGG19_NOTOP, cachedWeightsPath, defaultCacheDir } from './cache.js';
export type { WeightsEnv } from './cache.js';
export { fetchWeights, weightsInstructions } from './fetch.js';
export type { FetchWeightsOptions } from './fetch.js';
export { resolveWeights } from './resolve.js';
export type { ResolveWeightsOptions, WeightsOrigin } from './resolve.js';
export { verifyWeights } from './verify.js';
export type { VerifyWeightsResult } from './verify.js';
