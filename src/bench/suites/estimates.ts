// Bench suite "estimates": the training memory estimate (train/estimate.ts) against the peak RSS of real
// training on this machine, so its calibration can be checked again (after an ONNX Runtime upgrade, on
// another machine): each case trains 3 steps in a fresh process (out/node/train-memory.js), full and light,
// and the report gives the measured peak beside the estimate. Without --quick it includes SmolLM2-135M at
// 4 x 256 tokens in 4 micro-batches (about 5 minutes on 2 busy cores), the shape the estimate matters most for.
import { fileURLToPath } from 'node:url';
import { MODEL_PRESETS, parseModelConfig, type ModelConfigInput } from '../../engine/model/config';
import { DEFAULT_LORA, type LoraConfig } from '../../engine/model/lora';
import { trainingMemory } from '../../engine/train/estimate';
import { runMeasured } from '../child-peak';
import type { Figure } from '../report';
import type { BenchContext, BenchSuite } from '../run';

interface Case {
  shape: keyof typeof MODEL_PRESETS;
  batch: number;
  context: number;
  microBatches: number;
  lora?: LoraConfig;
}

/** The sample forest's standard settings (16 x 128, one fused step) and a from-Hub seed's (4 x 256 in 4 micro-batches). */
const QUICK: Case[] = [
  { shape: 'tiny', batch: 16, context: 128, microBatches: 1 },
  { shape: 'tiny', batch: 16, context: 128, microBatches: 1, lora: DEFAULT_LORA },
  { shape: 'small', batch: 8, context: 256, microBatches: 1 },
  { shape: 'small', batch: 8, context: 256, microBatches: 1, lora: DEFAULT_LORA },
];
const FULL_RUN: Case[] = [
  ...QUICK,
  { shape: 'smollm2-135m', batch: 4, context: 256, microBatches: 4 },
  { shape: 'smollm2-135m', batch: 4, context: 256, microBatches: 4, lora: DEFAULT_LORA },
];

async function measure(c: Case, ctx: BenchContext): Promise<Figure> {
  const config: ModelConfigInput = MODEL_PRESETS[c.shape];
  const child = fileURLToPath(new URL('./train-memory.js', import.meta.url));
  const args = {
    config,
    batch: c.batch,
    context: c.context,
    microBatches: c.microBatches,
    steps: 3,
    threads: ctx.threads,
    ...(c.lora ? { lora: c.lora } : {}),
  };
  const run = await runMeasured(process.execPath, [child, JSON.stringify(args)]);
  if (run.code !== 0) throw new Error(`the training memory child failed: ${run.stderr.trim().split('\n').at(-1)}`);
  const estimate = trainingMemory({
    config: parseModelConfig(config),
    batchSize: c.batch,
    microBatches: c.microBatches,
    contextLength: c.context,
    ...(c.lora ? { lora: c.lora } : {}),
  });
  const kind = c.lora ? `light r ${c.lora.rank} on ${c.lora.targets.length} projections` : 'full';
  const split = c.microBatches === 1 ? 'one fused step' : `${c.microBatches} micro-batches`;
  const name = `peak RSS training ${c.shape} ${kind} (${c.batch}x${c.context}, ${split})`;
  ctx.log(`  ${name}: ${run.peakRssMegabytes?.toFixed(0) ?? '?'} MB measured, ${(estimate.peakBytes / 1e6).toFixed(0)} MB estimated`);
  return {
    name,
    value: run.peakRssMegabytes ?? Number.NaN,
    unit: 'MB',
    reference: { name: 'estimate', value: estimate.peakBytes / 1e6 },
    note: run.peakRssMegabytes === null ? 'no /proc on this OS' : 'fresh process, 3 steps; ratio = measured / estimated',
  };
}

export const estimatesSuite: BenchSuite = {
  name: 'estimates',
  description: 'peak training memory, measured against train/estimate.ts, full and light (tiny, small; smollm2-135m without --quick)',
  async run(ctx) {
    const figures: Figure[] = [];
    for (const c of ctx.quick ? QUICK : FULL_RUN) figures.push(await measure(c, ctx));
    return { suite: 'estimates', figures };
  },
};
