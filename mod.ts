/**
 * portrait-gan: train DCGANs on paintings with TensorFlow's C API, from Deno,
 * with no Python at run time.
 *
 * The layers, from the bottom up:
 * - **binding**: {@linkcode Tensor}, {@linkcode Graph}, {@linkcode Session},
 *   {@linkcode gradients}, typed ops in {@linkcode ops}, resource
 *   {@linkcode Variable}s, {@linkcode Adam}, {@linkcode Saver} (TensorFlow's
 *   own checkpoint format);
 * - **layers**: Keras-like {@linkcode Dense}, {@linkcode Conv2D},
 *   {@linkcode Conv2DTranspose}, {@linkcode BatchNorm}, ... in a
 *   {@linkcode Sequential};
 * - **GAN**: {@linkcode PRESETS}, {@linkcode trainGan}, {@linkcode sampleGan};
 * - **data**: {@linkcode prepareDataset}, {@linkcode augmentDataset},
 *   {@linkcode openDataset}, {@linkcode smartResize};
 * - **evaluation**: {@linkcode evaluateRun} (SWD, MS-SSIM, memorisation).
 *
 * @example Train a few steps and sample
 * ```ts
 * import { ensureTensorFlow, prepareDataset, sampleGan, trainGan } from "./mod.ts";
 *
 * await ensureTensorFlow(); // finds or installs libtensorflow 2.21
 * await prepareDataset({ input: "paintings/", out: "datasets/p64", size: 64 });
 * await trainGan({ data: "datasets/p64", run: "runs/p64", preset: "portrait64", epochs: 5 });
 * await sampleGan({ run: "runs/p64", out: "samples/", count: 16, grid: true });
 * ```
 *
 * @example The binding on its own
 * ```ts
 * import { ensureTensorFlow, Graph, ops, Session, Tensor } from "./mod.ts";
 *
 * await ensureTensorFlow();
 * using g = new Graph();
 * const x = ops.placeholder(g, "float32", [-1, 2], "x");
 * const y = ops.tanh(ops.matMul(x, ops.constant(g, "float32", [2, 1], [0.5, -0.5])));
 * using s = new Session(g);
 * using input = Tensor.from("float32", [1, 2], [1, 2]);
 * const [out] = s.run({ feeds: [[x, input]], fetches: [y] });
 * console.log(out.values()); // Float32Array [ -0.46211714 ]
 * out.dispose();
 * ```
 * @module
 */

// Finding, installing and opening libtensorflow
export {
  type EnsureOptions,
  ensureTensorFlow,
  type FindOptions,
  findTensorFlow,
  type LibraryLocation,
  TENSORFLOW_VERSION,
} from "./ffi/locate.ts";
export { LibraryLoadError, type OpenedTensorFlow, tensorFlow } from "./ffi/library.ts";
export type { symbols, TensorFlowSymbols } from "./ffi/symbols.ts";
export type { Pointer } from "./ffi/c.ts";

// The binding
export { type DType, type NumericDType, type TypedArrayFor } from "./src/tf/dtype.ts";
export { NativeHandle } from "./src/tf/native.ts";
export { Tensor, type TensorInput } from "./src/tf/tensor.ts";
export { TensorFlowError } from "./src/tf/status.ts";
export { Graph, Operation, type OpSpec, Output } from "./src/tf/graph.ts";
export * as attrs from "./src/tf/attrs.ts";
export type { AttrValue } from "./src/tf/attrs.ts";
export * as ops from "./src/tf/ops.ts";
export type { BatchNormOutputs } from "./src/tf/ops.ts";
export { type DeviceInfo, type RunRequest, Session } from "./src/tf/session.ts";
export { encodeConfigProto, type SessionConfig } from "./src/tf/config_proto.ts";
export { gradients } from "./src/tf/gradients.ts";
export { type Initializer, Variable } from "./src/tf/variables.ts";
export {
  constantFill,
  glorotUniform,
  ones,
  randomNormal,
  type Seed,
  zeros,
} from "./src/tf/initializers.ts";
export { Adam, type AdamOptions } from "./src/tf/adam.ts";
export { Saver } from "./src/tf/checkpoint.ts";

// Layers
export { type CallContext, callContext, type Layer } from "./src/layers/layer.ts";
export { Dense } from "./src/layers/dense.ts";
export { Conv2D, Conv2DTranspose, type ConvOptions } from "./src/layers/conv.ts";
export { BatchNorm, type BatchNormOptions } from "./src/layers/batch_norm.ts";
export { Dropout, Flatten, LeakyReLU, Reshape, Stateless, Tanh } from "./src/layers/simple.ts";
export { Sequential } from "./src/layers/sequential.ts";

// The GAN
export { type GanConfig, PRESETS, resolveConfig } from "./src/gan/config.ts";
export { buildDcgan, buildSampler, type DcganGraph } from "./src/gan/dcgan.ts";
export { discriminator, generator } from "./src/gan/models.ts";
export { type DeviceOptions } from "./src/gan/devices.ts";
export {
  type MetricsRow,
  trainGan,
  type TrainOptions,
  type TrainSummary,
} from "./src/gan/trainer.ts";
export {
  generateFromRun,
  sampleGan,
  type SampleOptions,
  type SampleSummary,
} from "./src/gan/sampler.ts";
export {
  type CheckpointEntry,
  type CheckpointMeta,
  RunFolder,
  type RunInfo,
} from "./src/gan/run_folder.ts";
export { tanhToByte } from "./src/gan/pixels.ts";
export { noiseVectors } from "./src/gan/noise.ts";

// Data
export {
  prepareDataset,
  type PrepareOptions,
  type PrepareSummary,
  type SkippedFile,
} from "./src/data/prepare.ts";
export {
  augmentDataset,
  type AugmentOptions,
  type AugmentSummary,
  type Range,
} from "./src/data/augment.ts";
export {
  type Dataset,
  openDataset,
  type OpenOptions,
  trainingIndices,
} from "./src/data/dataset.ts";
export type { ManifestRecord } from "./src/data/format.ts";
export type { ColorTransform } from "./src/data/color.ts";
export {
  type Decoded,
  DecodeError,
  decodeImage,
  type DecodeOptions,
  encodePng,
} from "./src/data/decode.ts";
export {
  type CropBox,
  type ResizeResult,
  type RgbImage,
  smartCropBox,
  smartResize,
} from "./src/data/resize.ts";

// Evaluation
export {
  evaluateRun,
  type EvaluateRunOptions,
  type RunEvaluation,
  type RunFavourite,
} from "./src/eval/run.ts";
export { type EvalResult, type EvaluateOptions, evaluateSets } from "./src/eval/report.ts";
export type { ImageBatch } from "./src/eval/images.ts";
export type { SwdResult } from "./src/eval/swd.ts";
export type { Favourite, MemorizationResult, ShareResult } from "./src/eval/memorization.ts";

// Errors the user can act on
export { UsageError, UserError } from "./src/util/errors.ts";
