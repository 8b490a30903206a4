// The engine behind GroveApi: one object that the Electron IPC router, the HTTP server and the CLI all
// call. Inputs arrive already validated (shared/api/dispatch.ts); this layer owns the forest home.
import { EventEmitter } from 'node:events';
import { availableParallelism } from 'node:os';
import type { GroveApi, GroveEvent, GroveEventListener } from '../../shared/api';
import { GroveError } from '../../shared/api/errors';
import type { JobView } from '../../shared/api/events';
import { mergeMethodViews } from '../../engine/forest/merge/registry';
import type { ApiInput, DomainReport, EngineInfo, ForestSummary } from '../../shared/api/schemas';
import { Catalog, type CatalogOptions, type DomainRow } from '../catalog/catalog';
import { domainDocuments, parseDomainStats } from '../catalog/domains';
import { forestSummary } from '../catalog/summary';
import { catalogPath } from '../home';
import { machineMemory, type MachineMemory } from '../../engine/machine-memory';
import type { WorkerLauncher } from '../jobs/runner';
import { InferenceHost, type InferWorkerHandle } from '../infer/host';
import { AdapterCalls } from './adapter-calls';
import { ChatCalls } from './chat-calls';
import { EstimateCalls } from './estimate-calls';
import { CompletionCalls } from './completions';
import { DiscoverCalls } from './discover-calls';
import { BaselineCalls } from './baseline-calls';
import { ForestCalls } from './forest-calls';
import { HubCalls } from './hub-calls';
import { MixCalls } from './mix-calls';
import { BundleCalls, type WriteBundleInput } from './bundle-calls';
import { ClusterCalls, type TrainOnSlurmInput } from './cluster-calls';
import { OpenAiSwitch, type OpenAiEndpointHost } from './openai-switch';
import { ServiceJobs } from './jobs';
import type { PathRoots } from './path-roots';
import { clusterRoutingOf } from './cluster-routing-plan';
import type { RuntimeFacts } from '../../engine/runtime/runtime-facts';
import { GROVE_VERSION } from '../../engine/version';

export interface GroveServiceOptions {
  forestHome: string;
  transport: EngineInfo['transport'];
  catalog?: CatalogOptions;
  /** Starts worker processes for long jobs (ingest, training); without it the service runs no jobs. */
  workers?: WorkerLauncher;
  /** Starts the inference worker that chat replies run in; without it the service cannot chat. */
  inference?: () => InferWorkerHandle;
  /** Folders the calls may read and export into; unrestricted unless given (a remote `grove serve` gives them). */
  pathRoots?: PathRoots;
  /** The machine's memory as the estimates see it (default: this machine's, read at each call). */
  memory?: () => MachineMemory;
}

function toSummary(d: DomainRow): ForestSummary['domains'][number] {
  return { id: d.id, name: d.name, sourcePath: d.sourcePath, stats: parseDomainStats(d.statsJson) };
}

export class GroveService implements GroveApi {
  private readonly events = new EventEmitter();
  private readonly catalog: Catalog;
  private readonly jobQueue: ServiceJobs;
  private readonly forestCalls: ForestCalls;
  private readonly baselineCalls: BaselineCalls;
  private readonly inference: InferenceHost | null;
  private readonly chatCalls: ChatCalls;
  private readonly hubCalls: HubCalls;
  private readonly adapterCalls: AdapterCalls;
  private readonly estimateCalls: EstimateCalls;
  private readonly mixCalls: MixCalls;
  private readonly discoverCalls: DiscoverCalls;
  private readonly bundleCalls: BundleCalls;
  private readonly clusterCalls: ClusterCalls;
  private readonly openAiSwitch: OpenAiSwitch;
  /** Stateless completions for the OpenAI-compatible endpoint (not part of GroveApi: the transport calls them). */
  readonly completions: CompletionCalls;

  constructor(private readonly options: GroveServiceOptions) {
    this.catalog = Catalog.open(catalogPath(options.forestHome), options.catalog);
    this.jobQueue = new ServiceJobs(
      this.catalog,
      options.forestHome,
      options.workers,
      (job, forestChanged) => {
        this.emit({ type: 'job.changed', job });
        if (forestChanged) this.emit({ type: 'forest.changed' });
      },
      (event) => this.emit(event),
      options.pathRoots,
    );
    this.inference = options.inference ? new InferenceHost(options.inference) : null;
    this.chatCalls = new ChatCalls(this.catalog, options.forestHome, this.inference, (event) => this.emit(event));
    this.forestCalls = new ForestCalls(this.catalog, options.forestHome, this.jobQueue);
    this.baselineCalls = new BaselineCalls(this.catalog, options.forestHome, this.jobQueue);
    this.hubCalls = new HubCalls(this.catalog, options.forestHome, this.jobQueue, options.memory);
    this.adapterCalls = new AdapterCalls(this.catalog, options.forestHome, this.jobQueue.paths);
    this.estimateCalls = new EstimateCalls(this.catalog, options.forestHome, this.jobQueue, options.memory);
    this.mixCalls = new MixCalls(this.catalog, options.forestHome);
    this.discoverCalls = new DiscoverCalls(this.catalog, options.forestHome, this.jobQueue);
    this.bundleCalls = new BundleCalls(this.catalog, options.forestHome, this.jobQueue);
    this.clusterCalls = new ClusterCalls(this.catalog, options.forestHome, this.jobQueue);
    this.completions = new CompletionCalls(this.catalog, options.forestHome, this.inference);
    this.openAiSwitch = new OpenAiSwitch(options.forestHome);
  }

  // Chat (schemas-chat.ts), in chat-calls.ts; replies run in the inference worker.
  chats = () => this.chatCalls.chats();
  chat = (input: ApiInput<'chat'>) => this.chatCalls.chat(input);
  deleteChat = (input: ApiInput<'deleteChat'>) => this.chatCalls.deleteChat(input);
  sendMessage = (input: ApiInput<'sendMessage'>) => this.chatCalls.sendMessage(input);
  stopReply = (input: ApiInput<'stopReply'>) => this.chatCalls.stopReply(input);
  regenerate = (input: ApiInput<'regenerate'>) => this.chatCalls.regenerate(input);
  /** The inference worker, for tests of crash handling. */
  get inferenceHost(): InferenceHost | null {
    return this.inference;
  }

  // The BTM operations (schemas-forest.ts), in forest-calls.ts.
  createSampleForest = (input: ApiInput<'createSampleForest'>) => this.forestCalls.createSampleForest(input);
  createForest = (input: ApiInput<'createForest'>) => this.forestCalls.createForest(input);
  estimatePrior = (input: ApiInput<'estimatePrior'>) => this.forestCalls.estimatePrior(input);
  priors = (_input?: ApiInput<'priors'>) => this.forestCalls.priors();
  /** On this computer, or (asked, or the forest's "Train on" setting) as a Slurm job (cluster-calls.ts). */
  trainExpert = async ({ on, ...input }: ApiInput<'trainExpert'>) =>
    !input.branchOnly && this.clusterCalls.trainOn(on) === 'slurm'
      ? this.clusterCalls.trainOnSlurm({ experts: [input] })
      : this.forestCalls.trainExpert(input);
  trainModel = (input: ApiInput<'trainModel'>) => this.forestCalls.trainModel(input);
  runs = (_input?: ApiInput<'runs'>) => this.forestCalls.runs();
  runMetrics = (input: ApiInput<'runMetrics'>) => this.forestCalls.runMetrics(input);
  pauseJob = (input: ApiInput<'pauseJob'>) => this.forestCalls.pauseJob(input);
  resumeJob = (input: ApiInput<'resumeJob'>) => this.forestCalls.resumeJob(input);
  removeModel = (input: ApiInput<'removeModel'>) => this.forestCalls.removeModel(input);
  gc = (_input?: ApiInput<'gc'>) => this.forestCalls.gc();
  evaluate = (input: ApiInput<'evaluate'>) => this.forestCalls.evaluate(input);
  evaluations = (_input?: ApiInput<'evaluations'>) => this.forestCalls.evaluations();
  collapse = (input: ApiInput<'collapse'>) => this.forestCalls.collapse(input);
  tryCollapseMethods = (input: ApiInput<'tryCollapseMethods'>) => this.forestCalls.tryCollapseMethods(input);
  collapseTrial = (input: ApiInput<'collapseTrial'>) => this.forestCalls.collapseTrial(input);
  mergeMethods = (_input?: ApiInput<'mergeMethods'>) => Promise.resolve(mergeMethodViews());
  // The forest against one dense model (schemas-verdict.ts), in baseline-calls.ts.
  compareWithBaseline = (input: ApiInput<'compareWithBaseline'>) => this.baselineCalls.compareWithBaseline(input);
  verdict = (_input?: ApiInput<'verdict'>) => this.baselineCalls.verdict();

  // Expert bundles (bundle-calls.ts; not in GroveApi yet): one expert's training to run elsewhere, and its merge.
  writeBundle = (input: WriteBundleInput) => Promise.resolve(this.bundleCalls.writeBundle(input));
  mergeBundle = (dir: string) => Promise.resolve(this.bundleCalls.mergeBundle(dir));

  // Where new experts train: this computer or a Slurm cluster (schemas-cluster.ts, cluster-calls.ts).
  clusterSettings = async (_input?: ApiInput<'clusterSettings'>) => this.clusterCalls.settings();
  setClusterSettings = async (input: ApiInput<'setClusterSettings'>) => this.clusterCalls.setSettings(input);
  /** Experts on ingested domains sent to Slurm as one job array (not in GroveApi: the CLI's several folders). */
  trainOnSlurm = async (input: TrainOnSlurmInput) => this.clusterCalls.trainOnSlurm(input);

  // Estimates before long jobs (schemas-estimate.ts), in estimate-calls.ts.
  trainingEstimate = (input: ApiInput<'trainingEstimate'>) => this.estimateCalls.trainingEstimate(input);
  measureTraining = (input: ApiInput<'measureTraining'>) => this.estimateCalls.measureTraining(input);
  discoveredEstimate = (input: ApiInput<'discoveredEstimate'>) => this.estimateCalls.discoveredEstimate(input);
  // Saved mixes (schemas-mix.ts), in mix-calls.ts.
  mixes = (_input?: ApiInput<'mixes'>) => this.mixCalls.mixes();
  saveMix = (input: ApiInput<'saveMix'>) => this.mixCalls.saveMix(input);
  removeMix = (input: ApiInput<'removeMix'>) => this.mixCalls.removeMix(input);

  // The OpenAI-compatible endpoint's switch (schemas-openai.ts); the transport serves it (server/openai/).
  openaiEndpoint = (_input?: ApiInput<'openaiEndpoint'>) => this.openAiSwitch.current();
  setOpenaiEndpoint = (input: ApiInput<'setOpenaiEndpoint'>) => this.openAiSwitch.set(input.enabled);
  /** The transport that serves the endpoint; `enabled` (the command line's choice) becomes the forest's setting. */
  attachOpenAiEndpoint = (host: OpenAiEndpointHost, enabled?: boolean) => this.openAiSwitch.attach(host, enabled);

  // Models in (schemas-hub.ts), in hub-calls.ts.
  curatedModels = () => this.hubCalls.curatedModels();
  downloadModel = (input: ApiInput<'downloadModel'>) => this.hubCalls.downloadModel(input);
  importSeed = (input: ApiInput<'importSeed'>) => this.hubCalls.importSeed(input);
  importAdapter = (input: ApiInput<'importAdapter'>) => this.adapterCalls.importAdapter(input);

  // Domains discovered in one folder (schemas-discover.ts), in discover-calls.ts.
  discoverDomains = async (input: ApiInput<'discoverDomains'>) => this.discoverCalls.discoverDomains(input);
  discovery = async (input: ApiInput<'discovery'>) => this.discoverCalls.discovery(input);
  growDiscovered = (input: ApiInput<'growDiscovered'>) => this.discoverCalls.growDiscovered(input, this.clusterCalls.trainOn(input.on));

  async addDomain({ folder, domain, expert, on }: ApiInput<'addDomain'>): Promise<JobView> {
    return this.jobQueue.addDomain(folder, domain, expert, expert ? this.clusterCalls.trainOn(on) : 'local');
  }

  async jobs(_input?: ApiInput<'jobs'>): Promise<JobView[]> {
    return this.jobQueue.list();
  }

  async cancelJob({ id }: { id: number }): Promise<JobView> {
    return this.jobQueue.cancel(id);
  }

  async exportModel(input: ApiInput<'exportModel'>): Promise<JobView> {
    return this.jobQueue.exportModel(input);
  }

  async info(): Promise<EngineInfo> {
    const { onnxruntimeVersion, providers } = await this.runtimeFacts();
    return {
      version: GROVE_VERSION,
      forestHome: this.options.forestHome,
      runtime: { onnxruntimeVersion, cpuCores: availableParallelism(), providers },
      memory: (this.options.memory ?? machineMemory)(),
      transport: this.options.transport,
    };
  }

  private runtime: Promise<RuntimeFacts> | null = null;

  /**
   * ONNX Runtime's version and usable providers, probed once: in the inference worker where there is one (the
   * app and `grove serve`: the service's own process never loads ONNX Runtime), else here (CLI and tests).
   */
  private runtimeFacts(): Promise<RuntimeFacts> {
    this.runtime ??= this.inference ? this.inference.runtime() : import('../../engine/runtime/runtime-facts').then((m) => m.runtimeFacts());
    // A failed probe (a worker that died on a GPU driver) is asked again next time, not remembered.
    this.runtime.catch(() => (this.runtime = null));
    return this.runtime;
  }

  async forestSummary(_input?: ApiInput<'forestSummary'>): Promise<ForestSummary> {
    const summary = forestSummary(this.catalog);
    // The clusterer lives in the forest's home, not the catalog: the service, which knows the home, adds it.
    return summary.forest
      ? { ...summary, clusterRouting: clusterRoutingOf(this.catalog, this.options.forestHome, summary.forest.id) }
      : summary;
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
    void this.openAiSwitch.close();
    this.chatCalls.stopAll();
    this.inference?.close();
    this.jobQueue.close();
    this.events.removeAllListeners();
    this.catalog.close();
  }
}
