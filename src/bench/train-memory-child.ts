// Child process of the engine bench's memory figure: trains a model shape for a few steps in a fresh
// process (so its peak RSS is training's alone) and exits 0 once every loss was finite; prints each step's
// milliseconds as JSON on stdout. With `lora` it trains a light expert (an adapter over the frozen shape).
// With `checkpoint` it then writes a checkpoint as the training loop does (the state copied out and written),
// whose copy of the state can set the run's peak (train/estimate.ts).
// With `recompute` the step recomputes activations in its backward pass (train-graph.ts StepForm).
// With `memoryArena` it sets ONNX Runtime's CPU arena instead of the trainer's default (the memory it keeps).
// Argument: JSON { config, batch, context, microBatches, steps, threads, lora?, checkpoint?, recompute?, memoryArena? }.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseModelConfig, type ModelConfigInput } from '../engine/model/config';
import type { LoraConfig } from '../engine/model/lora';
import { saveCheckpoint } from '../engine/train/checkpoint';
import { LlamaTrainer } from '../engine/train/step-runner';

interface Args {
  config: ModelConfigInput;
  batch: number;
  context: number;
  microBatches: number;
  steps: number;
  threads: number;
  lora?: LoraConfig;
  checkpoint?: boolean;
  recompute?: boolean;
  memoryArena?: boolean;
}

const args = JSON.parse(process.argv[2] ?? '{}') as Args;
const config = parseModelConfig(args.config);
const trainer = await LlamaTrainer.create(config, {
  batchSize: args.batch,
  contextLength: args.context,
  microBatches: args.microBatches,
  threads: args.threads,
  ...(args.lora ? { lora: args.lora } : {}),
  ...(args.recompute ? { recompute: true } : {}),
  ...(args.memoryArena === undefined ? {} : { session: { memoryArena: args.memoryArena } }),
});
const ids = Int32Array.from({ length: args.batch * args.context }, (_, i) => (i * 7919) % config.vocabSize);
const targets = ids.map((x) => (x + 1) % config.vocabSize);
const stepMs: number[] = [];
for (let step = 0; step < args.steps; step++) {
  const started = performance.now();
  const { loss } = await trainer.step({ inputs: ids, targets }, 1e-4);
  stepMs.push(performance.now() - started);
  if (!Number.isFinite(loss)) throw new Error(`loss ${loss} at step ${step}`);
}
if (args.checkpoint) {
  const dir = mkdtempSync(join(tmpdir(), 'grove-train-memory-'));
  try {
    await saveCheckpoint(
      dir,
      { step: args.steps, tokens: args.steps * args.batch * args.context, bestValidLoss: null, evalsSinceBest: 0 },
      await trainer.exportState(),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
process.stdout.write(`${JSON.stringify({ stepMs })}\n`);
await trainer.close();
