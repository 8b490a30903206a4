// The service's hub calls (schemas-hub.ts): the curated model list, and downloads from the Hub and seed imports
// queued as jobs (kinds/hub.ts says how those look and end).
import { GroveError } from '../../shared/api/errors';
import type { JobView } from '../../shared/api/events';
import type { ApiInput, ApiOutput } from '../../shared/api/schemas';
import type { Catalog } from '../catalog/catalog';
import { setJobPayload } from '../catalog/jobs';
import { CURATED_MODELS, curatedModel, formatBytes } from '../../engine/hub/curated';
import { validateRepoId, validateRevision } from '../../engine/hub/endpoint';
import type { DownloadJobPayload, HubJobProgress, HubJobResult, ImportSeedJobPayload } from '../store/hub-jobs';
import { importModelFolder } from '../../engine/hub/import';
import type { Job } from '../jobs/queue';
import { recordSeed } from '../store/init';
import { machineMemory, type MachineMemory } from '../../engine/machine-memory';
import { curatedEstimate, machineTrainingSpeed } from './curated-estimate';
import { assertCanPlantSeed } from './seed-guard';
import { jobView, type ServiceJobs } from './jobs';

export class HubCalls {
  constructor(
    private readonly catalog: Catalog,
    private readonly forestHome: string,
    private readonly jobs: ServiceJobs,
    /** The machine's memory now (a test gives a machine of its own). */
    private readonly memory: () => MachineMemory = machineMemory,
  ) {}

  /** The list, each with what it would cost on this machine (curated-estimate.ts). */
  async curatedModels(): Promise<ApiOutput<'curatedModels'>> {
    const speed = machineTrainingSpeed(this.catalog, this.forestHome);
    const machine = this.memory();
    return CURATED_MODELS.map((m) => ({
      repoId: m.repoId,
      family: m.family,
      kind: m.kind,
      parameters: m.parameters,
      downloadBytes: m.downloadBytes,
      licence: m.licence,
      gated: m.gated,
      estimate: curatedEstimate(m, speed, machine),
    }));
  }

  async downloadModel(input: ApiInput<'downloadModel'>): Promise<JobView> {
    const repoId = validateRepoId(input.repo);
    const revision = input.revision === undefined ? undefined : validateRevision(input.revision);
    if (input.asSeed) assertCanPlantSeed(this.catalog, this.forestHome, this.jobs.queue);
    const known = curatedModel(repoId);
    if (known?.gated && !input.token && !process.env.HF_TOKEN) {
      throw new GroveError(
        'bad_input',
        `${repoId} is gated: accept its licence on huggingface.co/${repoId}, then give an access token (huggingface.co/settings/tokens).`,
        { repo: repoId },
      );
    }
    const payload: DownloadJobPayload = {
      repoId,
      asSeed: input.asSeed ?? false,
      ...(revision ? { revision } : {}),
      ...(input.token ? { token: input.token } : {}),
    };
    return jobView(this.jobs.enqueueJob('download', payload));
  }

  async importSeed(input: ApiInput<'importSeed'>): Promise<JobView> {
    const folder = this.jobs.paths.folder(
      input.folder,
      'model folder',
      'Choose a Hugging Face model folder (config.json, model.safetensors, tokenizer.json).',
    );
    assertCanPlantSeed(this.catalog, this.forestHome, this.jobs.queue);
    // Read now, so an unsupported architecture or a missing tokenizer is said at once, not after a queue wait.
    await importModelFolder(folder);
    const payload: ImportSeedJobPayload = { folder, ...(input.name ? { name: input.name } : {}) };
    return jobView(this.jobs.enqueueJob('import-seed', payload));
  }
}
