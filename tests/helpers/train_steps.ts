/**
 * Test helper run as a separate process: trains `--max-steps` steps on a
 * dataset and prints the summary as JSON, so that tests can stop, kill and
 * resume training across processes.
 *
 * deno run -A tests/helpers/train_steps.ts <data> <run> <epochs> <maxSteps> <batch> [saveEvery]
 * @module
 */

import { trainGan } from "../../src/gan/trainer.ts";

const [data, run, epochs, maxSteps, batch, saveEvery] = Deno.args;
const summary = await trainGan({
  data,
  run,
  epochs: Number(epochs),
  maxSteps: Number(maxSteps) > 0 ? Number(maxSteps) : undefined,
  threads: 2,
  quiet: true,
  saveEvery: saveEvery ? Number(saveEvery) : 1,
  keep: 2,
  overrides: { batchSize: Number(batch) },
});
console.log(JSON.stringify(summary));
