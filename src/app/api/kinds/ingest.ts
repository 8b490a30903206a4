// Ingest jobs: a folder becomes a domain's token shards in the worker; the report lands in the catalog.
// `grove add` asks for an expert on the domain too: that next step is planned and queued in the same
// transaction that records the ingest, so a process killed between the two steps loses neither (a
// re-run ingest finds the expert planned already and queues nothing twice). Domains sent to Slurm together (the
// discovered domains of one folder) wait for each other: the last of their ingests to finish plans all their
// experts as one job array, as `grove add a b --on slurm` does. A domain whose ingest was cancelled drops out of
// its group (the others go without it, planned by the last of theirs or by that cancellation).
import type { DomainExpert } from '../../../shared/api/schemas-forest';
import { GroveError } from '../../../shared/api/errors';
import type { Catalog } from '../../catalog/catalog';
import { parseDomainStats, saveIngestReport } from '../../catalog/domains';
import { jobRows } from '../../catalog/jobs';
import { liveModelNamed } from '../../catalog/models';
import { setRunJob, unfinishedJobOfModel } from '../../catalog/runs';
import type { IngestJobPayload } from '../../../engine/corpus/ingest-job';
import type { IngestProgress, IngestReport } from '../../../engine/corpus/types';
import { runEstimate } from '../training-estimate';
import { planExpert } from '../expert-plan';
import { planSlurmExperts } from '../slurm-plan';
import type { JobKind } from './kind';

/** The worker's payload, and for the queue's owner alone the expert to train on the domain once it is ingested. */
export type IngestPayload = Omit<IngestJobPayload, 'then' | 'domain'> & {
  domain: string;
  /** On Slurm, `together` names the domains (this one among them) whose experts go as one job array. */
  then?: { expert: DomainExpert; on?: 'slurm'; together?: string[] };
};

/** The live model of this name, if any, and the unfinished job training it. */
function modelNamed(catalog: Catalog, name: string): { id: number; job: number | null } | null {
  const forest = catalog.forest();
  if (!forest) return null;
  const row = liveModelNamed(catalog, name, forest.id);
  if (!row) return null;
  return { id: row.id, job: unfinishedJobOfModel(catalog, row.id, ['queued', 'running', 'paused', 'failed']) };
}

/** Refuses an expert name that a live model has, saying how to go on with an unfinished one. */
export function assertExpertNameFree(catalog: Catalog, name: string): void {
  const taken = modelNamed(catalog, name);
  if (!taken) return;
  if (taken.job !== null)
    throw new GroveError(
      'conflict',
      `Expert "${name}" is being trained already (job ${taken.job}): \`grove jobs resume ${taken.job}\` continues it.`,
      { job: taken.job },
    );
  throw new GroveError('conflict', `The forest already has a model named "${name}"; choose another name (--name).`, { name });
}

/** The domains of a Slurm group whose ingest was cancelled (the group's payloads name it the same). */
function cancelledInGroup(catalog: Catalog, together: readonly string[]): Set<string> {
  const key = JSON.stringify(together);
  const cancelled = new Set<string>();
  for (const row of jobRows(catalog)) {
    if (row.kind !== 'ingest' || row.status !== 'cancelled') continue;
    const p = JSON.parse(row.payload_json) as Partial<IngestPayload>;
    if (p.domain && JSON.stringify(p.then?.together) === key) cancelled.add(p.domain);
  }
  return cancelled;
}

/**
 * Plans the Slurm experts of `domain` and the domains sent with it once each of them has its ingest report (this
 * ingest's is saved already) or its ingest was cancelled: until then the others' ingests are still to finish, and
 * the last one plans them all. A domain with too little text, or whose expert is planned already (a re-run
 * ingest), is left out; `leaveOut` is a domain whose ingest is being cancelled now.
 */
function planSlurmWhenAllIngested(
  catalog: Catalog,
  forestHome: string,
  domain: string,
  expert: DomainExpert,
  together: readonly string[] | undefined,
  enqueue: Parameters<typeof planSlurmExperts>[3],
  leaveOut?: string,
): void {
  const forest = catalog.forest();
  if (!forest) return;
  const out = together ? cancelledInGroup(catalog, together) : new Set<string>();
  if (leaveOut) out.add(leaveOut);
  const group = (together ?? [domain]).filter((d) => !out.has(d));
  const rows = new Map(catalog.domains(forest.id).map((d) => [d.name, parseDomainStats(d.statsJson)]));
  if (group.some((d) => !rows.get(d))) return;
  // A lone domain's expert may have its own name; a group's are named as their domains.
  const nameOf = (d: string) => (together ? d : (expert.name ?? d));
  const inputs = group
    .filter((d) => rows.get(d)!.trainable && !modelNamed(catalog, nameOf(d)))
    .map((d) => ({ ...expert, domain: d, ...(together ? { name: d } : {}), branchOnly: false }));
  if (inputs.length > 0) planSlurmExperts(catalog, forestHome, inputs, enqueue);
}

export const ingestKind: JobKind = {
  label: (job) => `Ingest “${(job.payload as Partial<IngestPayload>).domain ?? '?'}”`,
  progress(job) {
    const p = (job.progress ?? {}) as Partial<IngestProgress>;
    const total = Math.max(1, p.bytesTotal ?? 1);
    return { done: job.status === 'done' ? total : (p.bytesDone ?? 0), total, etaSeconds: p.etaSeconds ?? null };
  },
  onResult(job, result, ctx) {
    const p = job.payload as IngestPayload;
    const report = result as IngestReport;
    ctx.catalog.transaction(() => {
      saveIngestReport(ctx.catalog, p.domain, report);
      const expert = p.then?.expert;
      if (!expert) return;
      // Sent to the Slurm cluster: bundles written, then submitted as one array and followed (api/slurm-plan.ts).
      if (p.then?.on === 'slurm')
        return planSlurmWhenAllIngested(ctx.catalog, ctx.forestHome, p.domain, expert, p.then.together, ctx.enqueue);
      // Too little text for an expert: the report says why, and the caller tells the person.
      if (!report.trainable || modelNamed(ctx.catalog, expert.name ?? p.domain)) return;
      const input = { ...expert, domain: p.domain, branchOnly: false };
      const payload = planExpert(ctx.catalog, ctx.forestHome, input, runEstimate(ctx.catalog, ctx.forestHome, input));
      setRunJob(ctx.catalog, payload.train!.runId, ctx.enqueue('expert', payload).id);
    });
  },
  onFinished(job, ctx) {
    const p = job.payload as IngestPayload;
    // A cancelled member of a Slurm group: the others may all be ingested already, waiting for it.
    if (job.status !== 'cancelled' || p.then?.on !== 'slurm' || !p.then.together) return;
    const { expert, together } = p.then;
    ctx.catalog.transaction(() => planSlurmWhenAllIngested(ctx.catalog, ctx.forestHome, p.domain, expert, together, ctx.enqueue, p.domain));
  },
};
