/**
 * The GAN's settings: presets are data, flags and JSON files override them,
 * and the run folder records the fully resolved result.
 *
 * @example
 * ```ts
 * import { resolveConfig } from "./config.ts";
 * const config = resolveConfig({ preset: "portrait64", batchSize: 32 });
 * ```
 * @module
 */

import { UserError } from "../util/errors.ts";

/** Everything that defines a DCGAN and how it trains. */
export interface GanConfig {
  /** Preset this config started from. */
  preset: string;
  /** Side of the square images, in pixels. */
  imageSize: number;
  /** Length of the noise vector z. */
  noiseSize: number;
  /** Side of the generator's first feature map (10 for 160 px, 4 for 64 px). */
  generatorStartSize: number;
  /** Channels of the generator's first feature map (after the dense layer). */
  generatorStartChannels: number;
  /** Transposed convolutions after the first map: filters and stride of each (the last is followed by tanh). */
  generatorLayers: Array<{ filters: number; stride: number }>;
  /** Discriminator convolution widths (stride 2 each). */
  discriminatorFilters: number[];
  /** Square kernel size of every convolution. */
  kernelSize: number;
  /** LeakyReLU slope below zero. */
  leakySlope: number;
  /** Dropout rate after each discriminator convolution. */
  dropout: number;
  /** BatchNorm moving-average momentum (Keras default 0.99). */
  batchNormMomentum: number;
  /** BatchNorm variance epsilon (Keras default 1e-3). */
  batchNormEpsilon: number;
  /** Adam learning rate of the generator. */
  generatorLearningRate: number;
  /** Adam learning rate of the discriminator. */
  discriminatorLearningRate: number;
  /** Adam β1 for both networks (the presets use Keras's 0.9, not the DCGAN paper's 0.5). */
  beta1: number;
  /** Adam β2 for both networks. */
  beta2: number;
  /** Adam epsilon for both networks (Keras default 1e-7). */
  adamEpsilon: number;
  /** Images per step. */
  batchSize: number;
  /** One-sided label smoothing: real labels become 1 - this (fake labels stay 0). */
  labelSmoothing: number;
  /** "float32", or "bfloat16" compute with float32 weights. */
  precision: "float32" | "bfloat16";
  /** DiffAugment policy applied to real and generated images inside the graph ("" for none). */
  diffAugment: string;
}

const BASE = {
  noiseSize: 100,
  kernelSize: 5,
  leakySlope: 0.2,
  dropout: 0.3,
  batchNormMomentum: 0.99,
  batchNormEpsilon: 1e-3,
  generatorLearningRate: 1e-4,
  discriminatorLearningRate: 1e-4,
  beta1: 0.9,
  beta2: 0.999,
  adamEpsilon: 1e-7,
  labelSmoothing: 0,
  precision: "float32" as const,
  diffAugment: "",
};

/** The shipped presets (see shared reference-model.md). */
export const PRESETS: Record<string, GanConfig> = {
  portrait160: {
    ...BASE,
    preset: "portrait160",
    imageSize: 160,
    generatorStartSize: 10,
    generatorStartChannels: 256,
    generatorLayers: [
      { filters: 256, stride: 1 },
      { filters: 128, stride: 2 },
      { filters: 64, stride: 2 },
      { filters: 32, stride: 2 },
      { filters: 3, stride: 2 },
    ],
    discriminatorFilters: [64, 128, 256],
    batchSize: 32,
  },
  portrait64: {
    ...BASE,
    preset: "portrait64",
    imageSize: 64,
    generatorStartSize: 4,
    generatorStartChannels: 256,
    generatorLayers: [
      { filters: 128, stride: 2 },
      { filters: 64, stride: 2 },
      { filters: 32, stride: 2 },
      { filters: 3, stride: 2 },
    ],
    discriminatorFilters: [32, 64, 128],
    batchSize: 64,
  },
};

/** Settings that change the network's shapes: a run cannot resume with different ones. */
export const SHAPE_KEYS = [
  "preset",
  "imageSize",
  "noiseSize",
  "generatorStartSize",
  "generatorStartChannels",
  "generatorLayers",
  "discriminatorFilters",
  "kernelSize",
] as const;

/** Builds a full config from a preset name and overrides, checking that it is consistent. */
export function resolveConfig(overrides: Partial<GanConfig> & { preset?: string } = {}): GanConfig {
  const name = overrides.preset ?? "portrait64";
  const preset = PRESETS[name];
  if (!preset) {
    throw new UserError(
      `unknown preset '${name}': choose one of ${Object.keys(PRESETS).join(", ")}`,
      {
        exitCode: 2,
      },
    );
  }
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  const config: GanConfig = structuredClone({ ...preset, ...defined, preset: name });
  const upsample = config.generatorLayers.reduce((a, l) => a * l.stride, 1);
  if (config.generatorStartSize * upsample !== config.imageSize) {
    throw new UserError(
      `generator makes ${
        config.generatorStartSize * upsample
      }px images but imageSize is ${config.imageSize}: ` +
        `adjust generatorStartSize or generatorLayers`,
      { exitCode: 2 },
    );
  }
  if (config.generatorLayers.at(-1)?.filters !== 3) {
    throw new UserError("the generator's last layer must have 3 filters (RGB)", { exitCode: 2 });
  }
  if (!(config.batchSize >= 1)) {
    throw new UserError("batch size must be at least 1", { exitCode: 2 });
  }
  if (!(config.dropout >= 0 && config.dropout < 1)) {
    throw new UserError("dropout must be in [0, 1)", { exitCode: 2 });
  }
  if (!(config.labelSmoothing >= 0 && config.labelSmoothing < 1)) {
    throw new UserError("label smoothing must be in [0, 1)", { exitCode: 2 });
  }
  if (config.precision !== "float32" && config.precision !== "bfloat16") {
    throw new UserError(`precision must be float32 or bf16, not '${config.precision}'`, {
      exitCode: 2,
    });
  }
  return config;
}

/** Lists the shape settings that differ between two configs (empty when a resume is safe). */
export function shapeDifferences(a: GanConfig, b: GanConfig): string[] {
  return SHAPE_KEYS.filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k])).map((k) =>
    `${k}: ${JSON.stringify(a[k])} vs ${JSON.stringify(b[k])}`
  );
}
