// Merging a trained bundle back, in a worker: every hash checked (bundle/result.ts), the trained weights stored
// in the forest's content-addressed store, and the same records a local expert job sends once it has trained
// ('plan', 'trained'; api/kinds/expert.ts writes them), after the run's loss curve from the bundle's metrics.
import { join } from 'node:path';
import { z } from 'zod';
import { GroveError } from '../../shared/api/errors';
import type { StepReport } from '../catalog/runs';
import type { JobContext } from '../jobs/protocol';
import { storeAdapterFolder } from '../store/adapter-store';
import type { ExpertRecord } from '../store/expert-job';
import { forestTokenizerSha256 } from '../store/init';
import { storeModelFolder } from '../store/model-store';
import { readMetrics, type MetricRow } from '../../engine/train/loop';
import { BUNDLE_PATHS } from './manifest';
import { verifyFinishedBundle } from './result';

export const BundleMergePayload = z
  .object({
    bundleDir: z.string().min(1),
    modelId: z.number().int(),
    name: z.string(),
    /** The run the bundle trained (the shape the expert kind reads its run id from). */
    train: z.object({ runId: z.number().int() }).strict(),
  })
  .strict();
export type BundleMergePayload = z.input<typeof BundleMergePayload>;

/** The run's curve as the catalog keeps it: one report per training step, each with the valid loss measured there. */
export type HistoryRecord = { kind: 'history'; points: StepReport[] };

export function historyOf(rows: readonly MetricRow[], tokensPerStep: number): StepReport[] {
  const valid = new Map(rows.filter((r) => r.split === 'valid').map((r) => [r.step, r.loss]));
  return rows
    .filter((r) => r.split === 'train')
    .map((r) => {
      // A train row is indexed by the step it ran (s); its report is for the step count after it (s + 1).
      const step = r.step + 1;
      const v = valid.get(step);
      return {
        step,
        tokens: step * tokensPerStep,
        loss: r.loss,
        ...(r.lr !== undefined ? { lr: r.lr } : {}),
        ...(r.tokensPerSecond !== undefined ? { tokensPerSecond: r.tokensPerSecond } : {}),
        ...(v !== undefined ? { validLoss: v } : {}),
      };
    });
}

export async function runBundleMergeJob(input: unknown, ctx: JobContext): Promise<{ modelId: number; sha256: string }> {
  const p = BundleMergePayload.parse(input);
  const { manifest, result } = await verifyFinishedBundle(p.bundleDir);
  if (manifest.expert.modelId !== p.modelId || manifest.expert.runId !== p.train.runId)
    throw new GroveError(
      'conflict',
      `The bundle ${p.bundleDir} trains model ${manifest.expert.modelId} (run ${manifest.expert.runId}), not "${p.name}".`,
      { bundle: p.bundleDir },
    );
  const tokenizerSha256 = await forestTokenizerSha256(ctx.forestHome);
  if (manifest.tokenizerSha256 !== tokenizerSha256)
    throw new GroveError(
      'conflict',
      `The bundle ${p.bundleDir} was tokenized with another tokenizer than this forest's: it belongs to another forest.`,
      { bundle: p.bundleDir },
    );
  const m = result.metrics;
  ctx.record({ kind: 'plan', totalSteps: m.totalSteps, device: m.device, fallback: null } satisfies ExpertRecord);
  const { batchSize, contextLength } = manifest.training.settings;
  ctx.record({
    kind: 'history',
    points: historyOf(readMetrics(join(p.bundleDir, BUNDLE_PATHS.run)), batchSize * contextLength),
  } satisfies HistoryRecord);
  const folder = join(p.bundleDir, ...result.folder.split('/'));
  const stored = manifest.light
    ? await storeAdapterFolder(ctx.forestHome, folder, { baseSha256: manifest.light.baseSha256, tokenizerSha256 })
    : await storeModelFolder(ctx.forestHome, folder, tokenizerSha256);
  ctx.record({
    kind: 'trained',
    sha256: stored.sha256,
    bytes: stored.bytes,
    steps: m.steps,
    tokens: m.tokens,
    reason: m.reason,
    elapsedSeconds: m.elapsedSeconds,
    peakMemoryBytes: m.peakMemoryBytes,
  } satisfies ExpertRecord);
  ctx.log(
    `merged ${p.name}: ${m.steps} steps, final train loss ${m.finalTrainLoss?.toFixed(3) ?? '-'}, valid loss ${m.finalValidLoss?.toFixed(3) ?? '-'}`,
  );
  return { modelId: p.modelId, sha256: stored.sha256 };
}
