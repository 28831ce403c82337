/** Image input and output for the network: load, preprocess, deprocess, save. */
export { VGG_MEAN_BGR, fromPixels, toPixels } from './preprocess.js';
export type { StyleImage } from './preprocess.js';
export { loadImage, decodeImage, describeBytes } from './load.js';
export type { ImageSource, LoadImageOptions, LoadedImage, DecodedImage, RawImage } from './load.js';
export { saveImage, encodeImage, formatFromPath, writeImageFile, IMAGE_FORMATS } from './save.js';
export type { ImageFormat, SaveImageOptions } from './save.js';
