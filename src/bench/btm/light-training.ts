// The light forest of the BTM benchmark (`--light`): one light expert per training domain, each a fresh LoRA
// adapter (A seeded per expert, B zero: exactly the seed's function at step 0) over the frozen weights of the
// seed it branches from, trained on its domain alone. Its steps are the full expert's FLOPs spent at a light
// step's cost (light-budget.ts), on the same schedule as the full experts (from the branch point's learning
// rate, linear to the same floor; times --light-lr-scale, 1 by default) stretched over those steps, and on the
// full expert's data order, so by default the kind of expert is the only difference.
// Fresh optimizer state: the seed's AdamW moments are the base's, and a light expert trains other tensors.
import { readModelFolder } from '../../engine/model/folder';
import type { LlamaTrainer } from '../../engine/train/step-runner';
import type { BtmConfig, BtmLight } from './config';
import type { BtmDomain } from './corpus';
import type { BtmProgress } from './progress';
import { expertSchedule, trainEachDomain, type Expert, type TrainedSeed } from './training';

/** Trains one light expert per domain over `seed` for `steps` steps each with `trainer` (made with the benchmark's LoRA settings). */
export async function trainLightForest(
  trainer: LlamaTrainer,
  light: BtmLight,
  seed: TrainedSeed,
  domains: readonly BtmDomain[],
  steps: number,
  config: BtmConfig,
  work: string,
  label: string,
  progress: BtmProgress,
): Promise<Expert[]> {
  const base = await readModelFolder(seed.modelDir);
  try {
    await trainer.loadWeights(base.weights);
  } finally {
    await base.weights.close();
  }
  const full = expertSchedule(config, seed.branchLr);
  // The same shape as the full experts' schedule; lrScale moves its start and floor together (minLrRatio is a ratio).
  const schedule = { ...full, peakLr: full.peakLr * light.lrScale };
  return trainEachDomain(trainer, domains, config, work, progress, {
    steps,
    schedule,
    label,
    kind: 'light expert',
    // The i-th expert's own adapter seed; its data order is the full expert's of the domain (trainEachDomain).
    start: async (i) => trainer.resetAdapter(config.seeds.init + 1 + i),
    save: async (modelDir) => {
      await trainer.saveAdapter(modelDir, seed.modelDir);
    },
    baseDir: seed.modelDir,
  });
}
