// The BTM benchmark's row per merge method (issue 18, "which collapse is best"): beside the uniform and the
// posterior-weighted parameter averages (the registry's `linear`), every other method of the merge registry
// collapses the forest as the posterior average does: one model per evaluated genre, merged with the weights
// of that genre's cached prior (context posterior), the seed as the task-vector methods' base, and scored on
// that genre's test split. SLERP takes two models and a share t instead of weights: with exactly two experts it
// walks t = the second expert's posterior weight; otherwise it is left out, and the report says why.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { mergeModels } from '../../engine/forest/merge/merge-models';
import { folderTokenizerSha256 } from '../../engine/forest/merge/method';
import { normaliseWeights } from '../../engine/model/average';
import { scoreModel, type EvalContext } from './evaluate';
import { MERGE_ROW_METHODS, mergeRowPlan, takesWeights, type MergeMethodRow, type MergeRowId } from './merge-plan';
import type { GenreScore, Priors } from './results';

export interface MergeScores {
  plan: MergeMethodRow[];
  /** Each scored method's row: genre -> score of the model merged with that genre's posterior weights. */
  scores: Partial<Record<MergeRowId, Record<string, GenreScore>>>;
}

/** Every method's posterior-weighted collapse of the experts, one per evaluated genre, scored on that genre. */
export async function scoreMerges(
  experts: readonly { domain: string; modelDir: string }[],
  seedDir: string,
  priors: Priors,
  label: string,
  work: string,
  ctx: EvalContext,
): Promise<MergeScores> {
  const plan = mergeRowPlan(experts.length, ctx.config.seeds.init);
  const tokenizerSha256 = await folderTokenizerSha256(ctx.tokenizerDir);
  const scores: MergeScores['scores'] = {};
  for (const entry of plan.filter((p) => p.row !== null && p.method !== 'linear')) {
    const method = MERGE_ROW_METHODS.find((m) => m.name === entry.method)!;
    const out: Record<string, GenreScore> = {};
    for (const g of ctx.genres) {
      const weights = normaliseWeights(priors.context[g.name]!);
      const folder = join(work, 'merges', label, `${method.name}-${g.name}`);
      ctx.progress.update(`eval ${label}: ${method.name} merge with the cached prior of ${g.name}`);
      mkdirSync(folder, { recursive: true });
      await mergeModels({
        method,
        inputs: experts.map((e, j) => ({ folder: e.modelDir, weight: weights[j]!, label: e.domain, tokenizerSha256 })),
        base: method.needsBase ? { folder: seedDir, weight: 1, label: 'seed', tokenizerSha256 } : null,
        perModel: entry.settings.density !== undefined ? { density: experts.map(() => entry.settings.density!) } : {},
        global: takesWeights(method) ? {} : { t: weights[1]! },
        ...(entry.settings.seed !== undefined ? { seed: entry.settings.seed } : {}),
        outFolder: folder,
      });
      Object.assign(out, await scoreModel(folder, `${label} ${method.name} merge`, [g], ctx));
      rmSync(folder, { recursive: true, force: true });
    }
    scores[entry.row as MergeRowId] = out;
  }
  return { plan, scores };
}
