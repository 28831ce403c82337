/**
 * The in-memory form of VGG convolution weights, shared by every loader.
 */

/** One conv layer, already in ONNX layout. */
export interface ConvWeights {
  /** Keras layer name, e.g. 'block1_conv1'. */
  name: string;
  /** Number of filters (output channels). */
  outChannels: number;
  /** Input channels. */
  inChannels: number;
  /** Kernel height in pixels (3 for VGG). */
  kh: number;
  /** Kernel width in pixels (3 for VGG). */
  kw: number;
  /** Kernel as float32 in ONNX Conv layout [out, in, kh, kw]. */
  kernel: Float32Array;
  /** Bias, one float32 per output channel. */
  bias: Float32Array;
}

/** Keras layer name -> weights. Convs of VGG-16 or VGG-19 (block1_conv1 .. block5_conv3|4). */
export type VggWeights = Map<string, ConvWeights>;
