// The engine behind GroveApi: one object that the Electron IPC router, the HTTP server and the CLI all
// call. Inputs arrive already validated (shared/api/dispatch.ts); this layer owns the forest home.
import { EventEmitter } from 'node:events';
import type { GroveApi, GroveEvent, GroveEventListener } from '../../shared/api';
import type { EngineInfo, ForestSummary } from '../../shared/api/schemas';
import { Catalog, type CatalogOptions } from '../catalog/catalog';
import { catalogPath } from '../home';
import { compiledProviders, onnxruntimeVersion } from '../runtime/ort';
import { GROVE_VERSION } from '../version';

export interface GroveServiceOptions {
  forestHome: string;
  transport: EngineInfo['transport'];
  catalog?: CatalogOptions;
}

export class GroveService implements GroveApi {
  private readonly events = new EventEmitter();
  private readonly catalog: Catalog;

  constructor(private readonly options: GroveServiceOptions) {
    this.catalog = Catalog.open(catalogPath(options.forestHome), options.catalog);
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
    return { forest, domains: this.catalog.domains(forest.id), models: this.catalog.models(forest.id) };
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
