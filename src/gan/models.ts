/**
 * The DCGAN's two networks, built from a {@linkcode GanConfig}.
 *
 * @module
 */

import { BatchNorm } from "../layers/batch_norm.ts";
import { Conv2D, Conv2DTranspose } from "../layers/conv.ts";
import { Dense } from "../layers/dense.ts";
import type { Layer } from "../layers/layer.ts";
import { Sequential } from "../layers/sequential.ts";
import { Dropout, Flatten, LeakyReLU, Reshape, Tanh } from "../layers/simple.ts";
import type { GanConfig } from "./config.ts";

/**
 * The generator: Dense (no bias) → BN → LeakyReLU → Reshape, then
 * Conv2DTranspose (no bias) → BN → LeakyReLU per layer, the last one → tanh.
 */
export function generator(config: GanConfig): Sequential {
  const s = config.generatorStartSize;
  const c = config.generatorStartChannels;
  const bn = (name: string) =>
    new BatchNorm(name, { momentum: config.batchNormMomentum, epsilon: config.batchNormEpsilon });
  const layers: Layer[] = [
    new Dense("dense", s * s * c, false),
    bn("dense_bn"),
    new LeakyReLU("dense_lrelu", config.leakySlope),
    new Reshape("reshape", [s, s, c]),
  ];
  config.generatorLayers.forEach((l, i) => {
    const last = i === config.generatorLayers.length - 1;
    layers.push(
      new Conv2DTranspose(`conv_t${i}`, {
        filters: l.filters,
        kernel: config.kernelSize,
        stride: l.stride,
        useBias: false,
      }),
    );
    if (last) layers.push(new Tanh("tanh"));
    else layers.push(bn(`conv_t${i}_bn`), new LeakyReLU(`conv_t${i}_lrelu`, config.leakySlope));
  });
  return new Sequential("generator", layers);
}

/** The discriminator: (Conv2D stride 2 → LeakyReLU → Dropout) per width, Flatten, Dense 1 (a logit). */
export function discriminator(config: GanConfig): Sequential {
  const layers: Layer[] = [];
  config.discriminatorFilters.forEach((filters, i) => {
    layers.push(
      new Conv2D(`conv${i}`, { filters, kernel: config.kernelSize, stride: 2 }),
      new LeakyReLU(`conv${i}_lrelu`, config.leakySlope),
      new Dropout(`conv${i}_dropout`, config.dropout),
    );
  });
  layers.push(new Flatten("flatten"), new Dense("logit", 1));
  return new Sequential("discriminator", layers);
}
