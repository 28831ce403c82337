/** Image input and output for the network: load, preprocess, deprocess, save. */
export { VGG_MEAN_BGR, fromPixels, toPixels } from './preprocess.js';
export type { StyleImage } from './preprocess.js';
export { loadImage, describeBytes, MIN_IMAGE_SIDE, MAX_IMAGE_SIDE } from './load.js';
export type { ImageSource, LoadImageOptions, LoadedImage, RawImage } from './load.js';
export { saveImage, encodeImage, formatFromPath, writeImageFile, IMAGE_FORMATS } from './save.js';
export type { ImageFormat, SaveImageOptions } from './save.js';
