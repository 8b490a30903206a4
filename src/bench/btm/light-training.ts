// The light forest of the BTM benchmark (`--light`): one light expert per training domain, each a fresh LoRA
// adapter (A seeded per expert, B zero: exactly the seed's function at step 0) over the frozen weights of the
// seed it branches from, trained on its domain alone. Its steps are the full expert's FLOPs spent at a light
// step's cost (light-budget.ts), on the same schedule as the full experts (from the branch point's learning
// rate, linear to the same floor) stretched over those steps, so the kind of expert is the only difference.
// Fresh optimizer state: the seed's AdamW moments are the base's, and a light expert trains other tensors.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { readModelFolder } from '../../engine/model/folder';
import { runTraining } from '../../engine/train/loop';
import type { LlamaTrainer } from '../../engine/train/step-runner';
import { TokenWindows } from '../../engine/train/windows';
import type { BtmConfig, BtmLight } from './config';
import type { BtmDomain } from './corpus';
import type { BtmProgress } from './progress';
import { expertSchedule, shards, stepLine, type Expert, type TrainedSeed } from './training';

/** Trains one light expert per domain over `seed` for `steps` steps each with `trainer` (made with the benchmark's LoRA settings). */
export async function trainLightForest(trainer: LlamaTrainer, light: BtmLight, seed: TrainedSeed, domains: readonly BtmDomain[], steps: number, config: BtmConfig, work: string, label: string, progress: BtmProgress): Promise<Expert[]> {
  const base = await readModelFolder(seed.modelDir);
  try {
    await trainer.loadWeights(base.weights);
  } finally {
    await base.weights.close();
  }
  const full = expertSchedule(config, seed.branchLr);
  // The same shape as the full experts' schedule; lrScale moves its start and floor together (minLrRatio is a ratio).
  const schedule = { ...full, peakLr: full.peakLr * light.lrScale };
  const tokensPerStep = config.batchSize * config.contextLength;
  const experts: Expert[] = [];
  for (const [i, domain] of domains.entries()) {
    // The same data order as the full expert of this domain (seed data + 1 + i): only the kind differs.
    const dataSeed = config.seeds.data + 1 + i;
    trainer.resetAdapter(config.seeds.init + 1 + i);
    const train = new TokenWindows(await shards([domain], 'train'), config.contextLength, dataSeed);
    const runDir = join(work, 'runs', label, domain.name);
    let finalLoss = Number.NaN;
    try {
      await runTraining(trainer, {
        runDir,
        totalSteps: steps,
        schedule,
        seed: dataSeed,
        train,
        onProgress: (p) => {
          progress.trained(tokensPerStep);
          finalLoss = p.loss;
          progress.update(stepLine(`${label} light expert ${i + 1}/${domains.length} ${domain.name}`, p));
        },
      });
    } finally {
      train.close();
    }
    const modelDir = join(work, 'models', label, domain.name);
    await trainer.saveAdapter(modelDir, seed.modelDir);
    rmSync(join(runDir, 'checkpoints'), { recursive: true, force: true });
    experts.push({ domain: domain.name, modelDir, finalLoss, baseDir: seed.modelDir });
  }
  return experts;
}
