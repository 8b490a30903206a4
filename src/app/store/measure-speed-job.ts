// The short measurement behind a training time estimate when the forest has no earlier run to go by: the
// real train-step sessions of the seed's shape, built as a run would build them (batch, micro-batches,
// context, threads, device), one untimed warm-up step (it pays ONNX Runtime's first-run allocations), then
// timed steps on a fixed synthetic batch until about MIN_SECONDS have passed (at most MAX_STEPS). The values of
// the weights do not change the time of a step, so the trainer starts from its own seeded init. Runs in the
// job worker: the service's process never loads ONNX Runtime.
import { z } from 'zod';
import type { JobContext } from '../jobs/protocol';
import { parseModelConfig } from '../../engine/model/config';
import { LORA_TARGETS } from '../../engine/model/lora';
import { chooseProvider, type ProviderPreference } from '../../engine/runtime/providers';
import { trainingFlopsPerToken } from '../../engine/train/estimate';
import { DeviceChoice } from '../../shared/api/schemas-forest';
import { recordMeasuredSpeeds, TrainingShape, type MeasuredSpeed } from '../../engine/train/measured-speed';
import { LlamaTrainer } from '../../engine/train/step-runner';

const MIN_SECONDS = 3;
const MAX_STEPS = 3;

export const MeasureSpeedPayload = TrainingShape.extend({
  device: DeviceChoice,
  /** The kinds to time (the service leaves out a kind whose training would not fit in memory); light with its adapter. */
  kinds: z
    .array(
      z.union([
        z.object({ kind: z.literal('full') }).strict(),
        z.object({ kind: z.literal('light'), rank: z.number().int().positive(), targets: z.array(z.enum(LORA_TARGETS)).min(1) }).strict(),
      ]),
    )
    .min(1),
}).strict();
export type MeasureSpeedPayload = z.input<typeof MeasureSpeedPayload>;

export interface MeasureSpeedProgress {
  done: number;
  total: number;
  etaSeconds: null;
}

export async function runMeasureSpeedJob(input: unknown, ctx: JobContext): Promise<{ speeds: MeasuredSpeed[] }> {
  const p = MeasureSpeedPayload.parse(input);
  const config = parseModelConfig(JSON.parse(p.architecture), 'the seed');
  const choice = await chooseProvider(p.device as ProviderPreference);
  if (choice.fallback) ctx.log(choice.fallback);
  const tokensPerStep = p.batchSize * p.contextLength;
  const speeds: MeasuredSpeed[] = [];
  for (const [i, k] of p.kinds.entries()) {
    if (ctx.signal.aborted) break;
    ctx.progress({ done: i, total: p.kinds.length, etaSeconds: null } satisfies MeasureSpeedProgress);
    const lora =
      k.kind === 'light' ? { rank: k.rank, alpha: 2 * k.rank, targets: LORA_TARGETS.filter((t) => k.targets.includes(t)) } : undefined;
    const trainer = await LlamaTrainer.create(config, {
      batchSize: p.batchSize,
      microBatches: p.microBatches,
      recompute: p.recompute,
      contextLength: p.contextLength,
      threads: p.threads,
      ...(choice.provider === 'cpu' ? {} : { session: { providers: [choice.provider, 'cpu'] } }),
      ...(lora ? { lora } : {}),
    });
    try {
      const inputs = Int32Array.from({ length: tokensPerStep }, (_, j) => (j * 7919) % config.vocabSize);
      const batch = { inputs, targets: inputs.map((x) => (x + 1) % config.vocabSize) };
      await trainer.step(batch, 0);
      let steps = 0;
      const started = performance.now();
      while (steps < MAX_STEPS && (steps === 0 || performance.now() - started < MIN_SECONDS * 1000) && !ctx.signal.aborted) {
        await trainer.step(batch, 0);
        steps++;
      }
      const tokensPerSecond = (steps * tokensPerStep) / ((performance.now() - started) / 1000);
      const flopsPerSecond = tokensPerSecond * trainingFlopsPerToken({ config, contextLength: p.contextLength, ...(lora ? { lora } : {}) });
      ctx.log(
        `${k.kind}: ${steps} steps of ${p.batchSize} x ${p.contextLength} tokens on ${choice.provider}, ${tokensPerSecond.toFixed(1)} tokens/s`,
      );
      speeds.push({
        architecture: p.architecture,
        batchSize: p.batchSize,
        microBatches: p.microBatches,
        recompute: p.recompute,
        contextLength: p.contextLength,
        threads: p.threads,
        device: choice.provider,
        kind: k.kind,
        flopsPerSecond,
        tokensPerSecond,
        steps,
        measuredAt: new Date().toISOString(),
      });
    } finally {
      await trainer.close();
    }
  }
  // An aborted measurement keeps nothing: a speed from a step cut short would mislead every estimate after it.
  if (ctx.signal.aborted) return { speeds: [] };
  await recordMeasuredSpeeds(ctx.forestHome, speeds);
  ctx.progress({ done: p.kinds.length, total: p.kinds.length, etaSeconds: null } satisfies MeasureSpeedProgress);
  return { speeds };
}
