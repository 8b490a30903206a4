// The job kinds a worker process can run: one entry per kind, each calling into the engine.
import { z } from 'zod';
import { GroveError } from '../../shared/api/errors';
import { ingestFolder } from '../corpus/ingest';
import { corpusTokenizer } from '../corpus/types';
import { runExportJob } from '../export/job';
import { runDownloadJob, runImportSeedJob } from '../hub/hub-jobs';
import { loadTokenizer } from '../tokenize/load';
import { runExpertJob } from '../store/expert-job';
import { runSeedJob } from '../store/seed-job';
import { runCollapseJob } from '../store/collapse-job';
import { runEvaluateJob } from '../store/evaluate-job';
import { runPriorJob } from '../store/prior-job';
import { runMeasureSpeedJob } from '../train/measure-speed';
import { runTrainJob } from '../train/train-job';
import type { JobHandler } from './protocol';

/** `then` is for the queue's owner (the follow-up it queues once the domain is ingested), not the worker. */
const IngestPayload = z.object({ folder: z.string().min(1), out: z.string().min(1), tokenizer: z.string().min(1), domain: z.string().optional(), then: z.unknown().optional() }).strict();

function parse<T>(schema: z.ZodType<T>, payload: unknown, kind: string): T {
  const r = schema.safeParse(payload);
  if (!r.success) throw new GroveError('bad_input', `Bad ${kind} job payload: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return r.data;
}

export const jobHandlers: Readonly<Record<string, JobHandler>> = {
  async ingest(payload, ctx) {
    const p = parse(IngestPayload, payload, 'ingest');
    const tokenizer = corpusTokenizer(await loadTokenizer(p.tokenizer));
    return ingestFolder({ folder: p.folder, out: p.out, tokenizer, signal: ctx.signal, onProgress: (progress) => ctx.progress(progress) });
  },
  train: (payload, ctx) => runTrainJob(payload, ctx.signal, (p) => ctx.progress(p), ctx.log),
  export: (payload, ctx) => runExportJob(payload, (p) => ctx.progress(p)),
  expert: (payload, ctx) => runExpertJob(payload, ctx),
  // The dense baseline: an expert job without a branch, on a mix of domains (api/baseline-plan.ts).
  baseline: (payload, ctx) => runExpertJob(payload, ctx),
  seed: (payload, ctx) => runSeedJob(payload, ctx),
  prior: (payload, ctx) => runPriorJob(payload, ctx),
  evaluate: (payload, ctx) => runEvaluateJob(payload, ctx),
  collapse: (payload, ctx) => runCollapseJob(payload, ctx),
  'measure-speed': (payload, ctx) => runMeasureSpeedJob(payload, ctx),
  download: (payload, ctx) => runDownloadJob(payload, ctx.forestHome, ctx.signal, (p) => ctx.progress(p)),
  'import-seed': (payload, ctx) => runImportSeedJob(payload, ctx.forestHome, ctx.signal, (p) => ctx.progress(p)),
};
