/**
 * `@pastiche/style`: neural style transfer (Gatys et al.) with VGG features,
 * as ONNX graphs whose gradient is built into the graph, run by onnxruntime.
 */
export { StyleError, isStyleError } from './errors.js';
export type { StyleErrorCode, StyleErrorOptions } from './errors.js';
export { StyleModel } from './runtime/style-model.js';
export type { StyleModelOptions, Targets, Evaluation, GuidedTargets } from './runtime/style-model.js';
export * from './limits.js';
export { invalidOption, checkInteger, checkNumber, checkChoice } from './validate.js';
export type { RuntimeAdapter, RuntimeSession, RuntimeSessionOptions, TensorData } from './runtime/adapter.js';
export { nodeRuntime, nodeSessionOptions } from './runtime/node.js';
export { CS20_LOSS, POOLINGS, validateLossSpec } from './losses/spec.js';
export type { LossSpec, Pooling } from './losses/spec.js';
export { VGG_ARCHITECTURES, convLayers, featureShapes, kerasName, minimumSide, resolveLayers } from './network/vgg.js';
export type { VggVariant, LayerName, VggArchitecture, ConvLayerInfo } from './network/vgg.js';
export { GraphBuilder } from './graph/builder.js';
export type { Value, ElemType } from './graph/builder.js';
export { buildTrainingGraph, buildFeatureGraph, GRAPH_NAMES, poolRounding } from './graph/style-graph.js';
export type { BackwardOptions, BuiltGraph, GuideOptions } from './graph/style-graph.js';
export type { BackwardConv, ReluBackward } from './graph/rules.js';
export { encodeModel, ONNX_IR_VERSION, ONNX_OPSET } from './onnx/proto.js';
export type { ModelSpec, NodeSpec, TensorSpec, AttributeSpec, ValueInfoSpec } from './onnx/proto.js';
export * from './weights/index.js';
export * from './image/index.js';
export * from './optim/index.js';
export { presets, CS20_PRESET, DEFAULT_PRESET, PRESET_NAMES } from './presets.js';
export type { Preset, PresetName, OptimizerName, SizeSpec, StyleSizing } from './presets.js';
export { stylize, scoreImage, createStylizer } from './stylize/index.js';
export type {
  ScoreImageOptions,
  StylizeOptions,
  Stylizer,
  StylizerOptions,
  StylizerRunOptions,
  StylizerDescription,
} from './stylize/index.js';
export {
  resolveSettings,
  createOptimizer,
  scaleSchedule,
  normaliseBlend,
  layerName,
} from './stylize/settings.js';
export type {
  StylizeControls,
  StylizeResult,
  StylizeProgress,
  StylizeSettings,
  StylizedImage,
  LossRecord,
  ScaleStep,
  ResolvedSettings,
} from './stylize/settings.js';
export { createStyleCore, imageBounds, styleSizeAt, blendTargets, guidesPerLayer } from './stylize/core.js';
export type {
  StyleCore,
  StyleCoreOptions,
  StyleEnvironment,
  StyleRunHooks,
  RgbImage,
  ResizeFit,
} from './stylize/core.js';
export { nodeEnvironment, sharpResize } from './stylize/node-env.js';
export { scoreQuality, QUALITY_LOSS } from './stylize/quality.js';
export type { QualityScore, ScoreQualityOptions } from './stylize/quality.js';
export { originalColors, rgbToYiq } from './stylize/color.js';
export { resizePlanes, poolPlane } from './stylize/resample.js';
export { initialImage, INIT_MODES } from './stylize/init.js';
export type { InitMode, InitOptions } from './stylize/init.js';
export { mulberry32, uniformNoise } from './stylize/random.js';
export { IMAGE_SCHEMAS, cs20Example, encodedExample, detectSchema, readImageRecord } from './datasets/schema.js';
export type { ImageSchema, ImageRecord, EncodedImage } from './datasets/schema.js';
export { listByFolder, listByCsv, formatLabelMap } from './datasets/labels.js';
export type { ImageFile, ImageListing } from './datasets/labels.js';
export { imagesToTFRecord, decodeRgb } from './datasets/from-images.js';
export type { ImagesToTFRecordOptions, ImagesToTFRecordResult } from './datasets/from-images.js';
export { writeDataset } from './datasets/output.js';
export type { DatasetOutputOptions, DatasetOutput } from './datasets/output.js';
export { CS20_SPEC, parseCs20, cs20Records, locatedRecords, decodeLocated, imageRecords } from './datasets/read.js';
export type { Cs20Image, LocatedRecord, LocatedImageRecord } from './datasets/read.js';
export { tfrecordToImages, recordToImageFile } from './datasets/to-images.js';
export type { ExportFormat, TFRecordToImagesOptions, ExportedImage } from './datasets/to-images.js';
export { stylizeDataset, shardSize } from './datasets/stylize-dataset.js';
export type { StylizeDatasetOptions, StylizeDatasetResult, DatasetProgress } from './datasets/stylize-dataset.js';
export * from './tiles/index.js';
export { defaultMaxMemory, DEFAULT_MEMORY_FRACTION } from './tiles/node.js';
export { RunLog, SNAPSHOT_TAG, OUTPUT_TAG } from './logs/run-log.js';
export type { LossTerms, RunLogOptions } from './logs/run-log.js';
