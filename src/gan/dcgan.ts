/**
 * The DCGAN training graph: one session call runs one discriminator update
 * and one generator update computed from the same forward pass (as in the
 * TensorFlow DCGAN tutorial), plus the BatchNorm moving averages.
 *
 * All randomness inside a step (noise, dropout, DiffAugment) comes from
 * stateless ops seeded by [run seed, step], so a resumed run continues
 * exactly.
 *
 * @module
 */

import { callContext, streamSeed } from "../layers/layer.ts";
import type { Sequential } from "../layers/sequential.ts";
import { Adam } from "../tf/adam.ts";
import { Saver } from "../tf/checkpoint.ts";
import { Graph, type Operation, type Output } from "../tf/graph.ts";
import { gradients } from "../tf/gradients.ts";
import { zeros } from "../tf/initializers.ts";
import * as ops from "../tf/ops.ts";
import { Variable } from "../tf/variables.ts";
import type { GanConfig } from "./config.ts";
import { diffAugment, parseDiffAugmentPolicy } from "./diffaugment.ts";
import { discriminator, generator } from "./models.ts";

/** Random streams within a step (see `streamSeed`). */
const STREAM = {
  discriminatorReal: 0,
  discriminatorFake: 16,
  augmentReal: 32,
  augmentFake: 48,
  noise: 63,
};

/** Handles to everything a trainer or sampler runs. */
export interface DcganGraph {
  /** The graph (owned: dispose it). */
  graph: Graph;
  /** The generator network: noise to images in [-1, 1]. */
  generator: Sequential;
  /** The discriminator network: images to one logit each. */
  discriminator: Sequential;
  /** Fed: a batch of real images, uint8 NHWC. */
  realImages: Output;
  /** Fed: [run seed, step] as int64[2]. */
  stepSeed: Output;
  /** Fed: noise vectors for sampling, float32 [n, noiseSize]. */
  noise: Output;
  /** Generated images in inference mode (moving BatchNorm statistics), float32 in [-1, 1]. */
  samples: Output;
  /** Runs one training step. */
  trainStep: Operation;
  /** Step metrics, fetched with the step. */
  metrics: {
    generatorLoss: Output;
    discriminatorLoss: Output;
    realScore: Output;
    fakeScore: Output;
  };
  /** Completed training steps, saved in the checkpoint; `trainStep` increments it. */
  step: Variable;
  /** Completed epochs, saved in the checkpoint; only `setEpoch` changes it. */
  epoch: Variable;
  /** Fed: the epoch number to record with `setEpoch`. */
  epochValue: Output;
  /** Sets `epoch` from `epochValue`. */
  setEpoch: Operation;
  /** Initialises every variable from the run seed. */
  initialize: Operation;
  /** Saves and restores every variable (both networks, both Adam states, counters). */
  saver: Saver;
  /** Every variable, in checkpoint order. */
  variables: Variable[];
}

/** Builds the training and sampling graph for `config`, with initial weights drawn from `seed`. */
export function buildDcgan(
  config: GanConfig,
  seed: number,
  options: { device?: string } = {},
): DcganGraph {
  const g = new Graph();
  try {
    const build = () => buildInto(g, config, seed);
    return options.device ? g.withDevice(options.device, build) : build();
  } catch (error) {
    g.dispose();
    throw error;
  }
}

function buildInto(g: Graph, config: GanConfig, seed: number): DcganGraph {
  const size = config.imageSize;
  const compute = config.precision;
  const G = generator(config).build(g, [config.noiseSize], seed, 0);
  const D = discriminator(config).build(g, [size, size, 3], seed, 100);
  const policy = parseDiffAugmentPolicy(config.diffAugment);

  const realImages = ops.placeholder(g, "uint8", [-1, size, size, 3], "real_images");
  const stepSeed = ops.placeholder(g, "int64", [2], "step_seed");
  const noise = ops.placeholder(g, "float32", [-1, config.noiseSize], "noise");

  const toCompute = (x: Output) => (compute === "float32" ? x : ops.cast(x, compute));
  const toFloat = (x: Output) => (compute === "float32" ? x : ops.cast(x, "float32"));

  const t = g.withScope("train", () => {
    const real = ops.sub(
      ops.div(ops.cast(realImages, "float32"), ops.scalar(g, 127.5)),
      ops.scalar(g, 1),
    );
    const batch = ops.slice(ops.shapeOf(real), [0], [1]);
    const z = ops.statelessNormal(
      g,
      ops.concat([batch, ops.int32s(g, [config.noiseSize])], 0),
      streamSeed(g, stepSeed, STREAM.noise),
    );
    const gCtx = callContext({ training: true, seed: stepSeed, computeDtype: compute });
    const fake = toFloat(G.call(toCompute(z), gCtx));
    const augment = (x: Output, stream: number) =>
      policy.length ? diffAugment(x, policy, stepSeed, stream) : x;
    const dRealCtx = callContext({
      training: true,
      seed: stepSeed,
      computeDtype: compute,
      firstStream: STREAM.discriminatorReal,
    });
    const dFakeCtx = callContext({
      training: true,
      seed: stepSeed,
      computeDtype: compute,
      firstStream: STREAM.discriminatorFake,
    });
    const realLogits = toFloat(D.call(toCompute(augment(real, STREAM.augmentReal)), dRealCtx));
    const fakeLogits = toFloat(D.call(toCompute(augment(fake, STREAM.augmentFake)), dFakeCtx));

    const bce = (logits: Output, label: number) =>
      ops.mean(ops.sigmoidCrossEntropyWithLogits(logits, ops.scalar(g, label)));
    const discriminatorLoss = ops.add(
      bce(realLogits, 1 - config.labelSmoothing),
      bce(fakeLogits, 0),
      "d_loss",
    );
    const generatorLoss = ops.identity(bce(fakeLogits, 1), [], "g_loss");

    const dVars = D.trainableVariables;
    const gVars = G.trainableVariables;
    const dGrads = gradients(g, [discriminatorLoss], dVars.map((v) => v.value), {
      prefix: "d_gradients",
    });
    const gGrads = gradients(g, [generatorLoss], gVars.map((v) => v.value), {
      prefix: "g_gradients",
    });
    // Both updates wait for every gradient: no weight changes while a
    // gradient of the same step still has to read it.
    const after = [...dGrads, ...gGrads].map((x) => x.op);
    const gAdam = new Adam(g, {
      learningRate: config.generatorLearningRate,
      beta1: config.beta1,
      beta2: config.beta2,
      epsilon: config.adamEpsilon,
      name: "generator_adam",
    });
    const dAdam = new Adam(g, {
      learningRate: config.discriminatorLearningRate,
      beta1: config.beta1,
      beta2: config.beta2,
      epsilon: config.adamEpsilon,
      name: "discriminator_adam",
    });
    const applyG = gAdam.apply(gVars, gGrads, after);
    const applyD = dAdam.apply(dVars, dGrads, after);
    const step = new Variable(g, "step", [], zeros(), { dtype: "int64", trainable: false });
    const epoch = new Variable(g, "epoch", [], zeros(), { dtype: "int64", trainable: false });
    const countStep = g.withControlDependencies(
      after,
      () => step.assignAdd(ops.constant(g, "int64", [], [1])),
    );
    const bnUpdates = [...gCtx.updates, ...dRealCtx.updates, ...dFakeCtx.updates];
    const trainStep = ops.group(g, [applyG, applyD, countStep, ...bnUpdates], "step");
    const epochValue = ops.placeholder(g, "int64", [], "epoch_value");
    const setEpoch = epoch.assign(epochValue, "set_epoch");
    const metrics = {
      generatorLoss,
      discriminatorLoss,
      realScore: ops.mean(ops.sigmoid(realLogits)),
      fakeScore: ops.mean(ops.sigmoid(fakeLogits)),
    };
    return {
      trainStep,
      metrics,
      step,
      epoch,
      epochValue,
      setEpoch,
      optimizerVariables: [...gAdam.variables, ...dAdam.variables],
    };
  });

  const samples = g.withScope(
    "sample",
    () =>
      toFloat(G.call(toCompute(noise), callContext({ training: false, computeDtype: compute }))),
  );
  const variables = [...G.variables, ...D.variables, ...t.optimizerVariables, t.step, t.epoch];
  const initialize = ops.group(g, variables.map((v) => v.initializer), "initialize");
  const saver = new Saver(g, variables);
  return {
    graph: g,
    generator: G,
    discriminator: D,
    realImages,
    stepSeed,
    noise,
    samples,
    trainStep: t.trainStep,
    metrics: t.metrics,
    step: t.step,
    epoch: t.epoch,
    epochValue: t.epochValue,
    setEpoch: t.setEpoch,
    initialize,
    saver,
    variables,
  };
}

/** Builds only the generator in inference mode, for sampling from a checkpoint. */
export function buildSampler(config: GanConfig): {
  graph: Graph;
  noise: Output;
  samples: Output;
  saver: Saver;
  generator: Sequential;
} {
  const g = new Graph();
  try {
    const G = generator(config).build(g, [config.noiseSize], 0, 0);
    const noise = ops.placeholder(g, "float32", [-1, config.noiseSize], "noise");
    const compute = config.precision;
    const input = compute === "float32" ? noise : ops.cast(noise, compute);
    let samples = g.withScope(
      "sample",
      () => G.call(input, callContext({ training: false, computeDtype: compute })),
    );
    if (compute !== "float32") samples = ops.cast(samples, "float32");
    // Variable names match the training graph, so RestoreV2 finds the generator's tensors by name.
    const saver = new Saver(g, G.variables);
    return { graph: g, noise, samples, saver, generator: G };
  } catch (error) {
    g.dispose();
    throw error;
  }
}
