// The engine behind GroveApi: one object that the Electron IPC router, the HTTP server and the CLI all
// call. Inputs arrive already validated (shared/api/dispatch.ts); this layer owns the forest home.
import { EventEmitter } from 'node:events';
import type { GroveApi, GroveEvent, GroveEventListener } from '../../shared/api';
import { GroveError } from '../../shared/api/errors';
import type { JobView } from '../../shared/api/events';
import type { ApiInput, DomainReport, EngineInfo, ForestSummary } from '../../shared/api/schemas';
import { Catalog, type CatalogOptions, type DomainRow } from '../catalog/catalog';
import { domainDocuments, parseDomainStats } from '../catalog/domains';
import { catalogPath } from '../home';
import type { WorkerLauncher } from '../jobs/runner';
import { ServiceJobs } from './jobs';
import { compiledProviders, onnxruntimeVersion } from '../runtime/ort';
import { GROVE_VERSION } from '../version';

export interface GroveServiceOptions {
  forestHome: string;
  transport: EngineInfo['transport'];
  catalog?: CatalogOptions;
  /** Starts worker processes for long jobs (ingest, training); without it the service runs no jobs. */
  workers?: WorkerLauncher;
}

function toSummary(d: DomainRow): ForestSummary['domains'][number] {
  return { id: d.id, name: d.name, sourcePath: d.sourcePath, stats: parseDomainStats(d.statsJson) };
}

export class GroveService implements GroveApi {
  private readonly events = new EventEmitter();
  private readonly catalog: Catalog;
  private readonly jobQueue: ServiceJobs;

  constructor(private readonly options: GroveServiceOptions) {
    this.catalog = Catalog.open(catalogPath(options.forestHome), options.catalog);
    this.jobQueue = new ServiceJobs(this.catalog, options.forestHome, options.workers, (job, forestChanged) => {
      this.emit({ type: 'job.changed', job });
      if (forestChanged) this.emit({ type: 'forest.changed' });
    });
  }

  async addDomain({ folder, domain }: { folder: string; domain: string }): Promise<JobView> {
    return this.jobQueue.addDomain(folder, domain);
  }

  async jobs(): Promise<JobView[]> {
    return this.jobQueue.list();
  }

  async cancelJob({ id }: { id: number }): Promise<JobView> {
    return this.jobQueue.cancel(id);
  }

  async exportModel(input: ApiInput<'exportModel'>): Promise<JobView> {
    return this.jobQueue.exportModel(input);
  }

  async info(): Promise<EngineInfo> {
    return {
      version: GROVE_VERSION,
      forestHome: this.options.forestHome,
      runtime: { onnxruntimeVersion, providers: compiledProviders() },
      transport: this.options.transport,
    };
  }

  async forestSummary(): Promise<ForestSummary> {
    const forest = this.catalog.forest();
    if (!forest) return { forest: null, domains: [], models: [] };
    return { forest, domains: this.catalog.domains(forest.id).map(toSummary), models: this.catalog.models(forest.id) };
  }

  async domainReport({ domain }: { domain: string }): Promise<DomainReport> {
    const forest = this.catalog.forest();
    const row = forest ? this.catalog.domains(forest.id).find((d) => d.name === domain) : undefined;
    const documents = row ? domainDocuments(this.catalog, domain) : null;
    if (!row || !documents) throw new GroveError('not_found', `No domain ${JSON.stringify(domain)} in this forest.`, { domain });
    return { domain: toSummary(row), documents };
  }

  onEvent(listener: GroveEventListener): () => void {
    this.events.on('event', listener);
    return () => this.events.off('event', listener);
  }

  protected emit(event: GroveEvent): void {
    this.events.emit('event', event);
  }

  close(): void {
    this.events.removeAllListeners();
    this.catalog.close();
  }
}
