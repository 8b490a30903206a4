// Linear merge: the weighted parameter average theta = sum_j w_j * theta_j (BTM section 3, "parameter
// averaging"; Wortsman et al. 2022 model soups). Grove's collapse and its posterior-weighted branch init.
import { mkdir } from 'node:fs/promises';
import { averageModels } from '../../model/average';
import { sharedTokenizer, type MergeInput, type MergeMethod, type MergeOptions, type MergeResult } from './method';

/**
 * Checks the tokenizers, then streams the average through model/average.ts, which refuses configs
 * that differ (architecture, sizes, rope...) and tensors whose shapes disagree, naming the field.
 */
async function mergeLinear(inputs: readonly MergeInput[], outFolder: string, options: MergeOptions = {}): Promise<MergeResult> {
  const tokenizerSha256 = await sharedTokenizer(inputs, 'linear');
  await mkdir(outFolder, { recursive: true });
  const { weights, file } = await averageModels(
    inputs.map((i) => ({ folder: i.folder, weight: i.weight })),
    outFolder,
    { ...(options.dtype ? { dtype: options.dtype } : {}), metadata: { grove_merge: 'linear', ...options.metadata } },
  );
  return { method: 'linear', folder: outFolder, weights, file, tokenizerSha256 };
}

export const linear: MergeMethod = {
  name: 'linear',
  description: 'Weighted average of the parameters of models of one lineage (same architecture, shapes and tokenizer). Weights are renormalised to sum to 1.',
  paper: { title: 'Branch-Train-Merge: Embarrassingly Parallel Training of Expert Language Models (Li et al., 2022)', url: 'https://arxiv.org/abs/2208.03306' },
  parameters: [{ name: 'weight', type: 'number', perModel: true, required: true, description: 'How much of this model goes into the average (>= 0); uniform, posterior or manual weights.' }],
  merge: mergeLinear,
};
