// The service's hub calls (schemas-hub.ts): the curated model list, downloads from the Hub and seed imports
// as jobs, how those jobs look in the UI (bytes, speed, ETA, phase), and what the owner does when they end
// (records the prepared seed in the catalog; forgets the access token).
import { GroveError } from '../../shared/api/errors';
import type { JobView } from '../../shared/api/events';
import type { ApiInput, ApiOutput } from '../../shared/api/schemas';
import type { Catalog } from '../catalog/catalog';
import { setJobPayload } from '../catalog/jobs';
import { CURATED_MODELS, curatedModel, formatBytes } from '../hub/curated';
import { validateRepoId, validateRevision } from '../hub/endpoint';
import type { DownloadJobPayload, HubJobProgress, HubJobResult, ImportSeedJobPayload } from '../hub/hub-jobs';
import { importModelFolder } from '../hub/import';
import type { Job } from '../jobs/queue';
import { recordSeed } from '../store/init';
import { assertCanPlantSeed } from './seed-guard';
import { jobView, registerJobKind, type ServiceJobs } from './jobs';
import type { JobKind, JobOwnerContext } from './kinds/kind';

/** After a download or import: the seed the worker prepared becomes the forest's (checked again: one seed per home). */
function recordPreparedSeed(_job: Job, result: unknown, { catalog, forestHome }: JobOwnerContext): void {
  const r = result as HubJobResult | null;
  if (r?.seed) recordSeed(catalog, forestHome, r.seed);
}

/** A download shows bytes of the total with its speed and ETA; the import that may follow is one step. */
export const downloadKind: JobKind = {
  label(job) {
    const payload = job.payload as Partial<DownloadJobPayload>;
    return `${payload.asSeed ? 'Download and plant' : 'Download'} “${payload.repoId ?? '?'}”`;
  },
  progress(job) {
    const p = job.progress as HubJobProgress | null;
    if (p?.phase === 'download') {
      const d = p.download;
      const total = Math.max(1, d.bytesTotal);
      const speed = d.bytesPerSecond > 0 ? ` · ${formatBytes(Math.round(d.bytesPerSecond))}/s` : '';
      return {
        done: job.status === 'done' ? total : Math.min(total, d.bytesDone), total, etaSeconds: d.etaSeconds,
        phase: `Downloading ${d.file} (file ${d.fileIndex + 1} of ${d.fileCount}) · ${formatBytes(d.bytesDone)} of ${formatBytes(d.bytesTotal)}${speed}`,
      };
    }
    const done = job.status === 'done' ? 1 : 0;
    return { done, total: 1, etaSeconds: null, phase: p?.phase === 'import' ? 'Storing the weights and the tokenizer' : 'Asking the Hub for the file list' };
  },
  onResult: recordPreparedSeed,
  // Whatever the ending, the access token a download was given does not stay in the catalog.
  onFinished(job, { catalog }) {
    if (job.status === 'paused' || !(job.payload as Partial<DownloadJobPayload>).token) return;
    const { token: _dropped, ...kept } = job.payload as DownloadJobPayload;
    setJobPayload(catalog, job.id, kept);
  },
};

export const importSeedKind: JobKind = {
  label: (job) => `Plant the seed from ${(job.payload as Partial<ImportSeedJobPayload>).folder ?? '?'}`,
  progress: (job) => ({ done: job.status === 'done' ? 1 : 0, total: 1, etaSeconds: null, phase: 'Storing the weights and the tokenizer' }),
  onResult: recordPreparedSeed,
};

registerJobKind('download', downloadKind);
registerJobKind('import-seed', importSeedKind);

export class HubCalls {
  constructor(
    private readonly catalog: Catalog,
    private readonly forestHome: string,
    private readonly jobs: ServiceJobs,
  ) {}

  async curatedModels(): Promise<ApiOutput<'curatedModels'>> {
    return CURATED_MODELS.map((m) => ({ repoId: m.repoId, family: m.family, kind: m.kind, parameters: m.parameters, downloadBytes: m.downloadBytes, licence: m.licence, gated: m.gated }));
  }

  async downloadModel(input: ApiInput<'downloadModel'>): Promise<JobView> {
    const repoId = validateRepoId(input.repo);
    const revision = input.revision === undefined ? undefined : validateRevision(input.revision);
    if (input.asSeed) assertCanPlantSeed(this.catalog, this.forestHome, this.jobs.queue);
    const known = curatedModel(repoId);
    if (known?.gated && !input.token && !process.env.HF_TOKEN) {
      throw new GroveError('bad_input', `${repoId} is gated: accept its licence on huggingface.co/${repoId}, then give an access token (huggingface.co/settings/tokens).`, { repo: repoId });
    }
    const payload: DownloadJobPayload = { repoId, asSeed: input.asSeed ?? false, ...(revision ? { revision } : {}), ...(input.token ? { token: input.token } : {}) };
    return jobView(this.jobs.enqueueJob('download', payload));
  }

  async importSeed(input: ApiInput<'importSeed'>): Promise<JobView> {
    const folder = this.jobs.paths.folder(input.folder, 'model folder', 'Choose a Hugging Face model folder (config.json, model.safetensors, tokenizer.json).');
    assertCanPlantSeed(this.catalog, this.forestHome, this.jobs.queue);
    // Read now, so an unsupported architecture or a missing tokenizer is said at once, not after a queue wait.
    await importModelFolder(folder);
    const payload: ImportSeedJobPayload = { folder, ...(input.name ? { name: input.name } : {}) };
    return jobView(this.jobs.enqueueJob('import-seed', payload));
  }
}
