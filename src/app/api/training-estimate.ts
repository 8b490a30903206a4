// The estimate the new-expert flow shows before it starts a run: for a domain, a budget and this machine,
// a full and a light expert's disk, peak memory (train/estimate.ts, from the shapes) and time. Time is the
// run's FLOPs over a speed measured here: the forest's earlier runs of the same shape, batch layout and
// threads (their last reported tokens/s, which includes validations and checkpoints), else a measurement
// kept by measureTraining; a kind with neither takes the other kind's FLOP rate, scaled by its own FLOPs
// per token, and says so. Which kind is recommended follows from memory: full while its peak fits
// comfortably in the memory available now, light otherwise.
import type { ApiParsedInput } from '../../shared/api/schemas';
import type { RunEstimate } from '../../shared/api/schemas-forest';
import type { KindEstimate, SpeedSource, TrainingEstimate } from '../../shared/api/schemas-estimate';
import type { Catalog } from '../catalog/catalog';
import { modelById } from '../catalog/models';
import { lastTokensPerSecond, listRuns } from '../catalog/runs';
import { machineMemory, type MachineMemory } from '../../engine/machine-memory';
import { parseModelConfig, type ModelConfig } from '../../engine/model/config';
import { LORA_TARGETS, type LoraConfig } from '../../engine/model/lora';
import { defaultCheckpointSteps } from '../../engine/train/checkpoint-steps';
import {
  runLength,
  trainingDisk,
  trainableParameters,
  trainingFlopsPerToken,
  trainingMemory,
  type ExpertKind,
  type TrainShape,
} from '../../engine/train/estimate';
import { readMeasuredSpeeds } from '../../engine/train/measured-speed';
import type { TrainingSettings } from '../store/training-settings';
import { branchCandidates, domainTraining, lightJob, storedRef, type DomainTraining } from './expert-plan';

/** Under this share of the available memory a run fits comfortably (the rest: the app, the OS, other work). */
export const COMFORTABLE_SHARE = 0.7;
/** Earlier runs a speed is taken from (the newest; their median). */
const RUNS_USED = 5;
/** A run's reported speed counts once it has run this many steps (the first pays ONNX Runtime's start-up). */
const MIN_RUN_STEPS = 5;

/** How the runs' and measurements' conditions must match the run estimated. */
interface SpeedKey {
  architecture: string;
  settings: Pick<TrainingSettings, 'batchSize' | 'microBatches' | 'recompute' | 'contextLength' | 'threads'>;
  /** 'auto' takes runs on any device (the one auto picks on this machine does not change between runs). */
  device: string;
}

interface Speed {
  flopsPerSecond: number;
  source: SpeedSource;
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

/** A finished or running run's training FLOP rate, from its last reported speed and its model's shape. */
export interface RunFlopRate {
  kind: ExpertKind;
  flopsPerSecond: number;
  device: string;
}

/**
 * The FLOP rates of the forest's runs that `accept` keeps (their settings and model), newest first: each run
 * once it has run MIN_RUN_STEPS steps and reported a speed.
 */
export function runFlopRates(
  catalog: Catalog,
  forestId: number,
  accept: (settings: Partial<TrainingSettings>, device: string, architecture: string) => boolean,
): RunFlopRate[] {
  const out: RunFlopRate[] = [];
  for (const run of listRuns(catalog, forestId)) {
    const s = (run.config as { settings?: Partial<TrainingSettings> } | null)?.settings;
    if (!s || run.step < MIN_RUN_STEPS || s.contextLength === undefined) continue;
    const model = modelById(catalog, run.modelId);
    if (!accept(s, run.device, model.architectureJson)) continue;
    const tps = lastTokensPerSecond(catalog, run.id);
    if (tps === null) continue;
    const config = parseModelConfig(JSON.parse(model.architectureJson), `model ${model.name}`);
    const shape = { config, contextLength: s.contextLength, ...(model.light ? { lora: model.light.lora } : {}) };
    out.push({ kind: model.light ? 'light' : 'full', flopsPerSecond: tps * trainingFlopsPerToken(shape), device: run.device });
  }
  return out;
}

/** The speed of each kind of run the forest has done under the same conditions, from its runs' reports. */
function speedsFromRuns(catalog: Catalog, forestId: number, key: SpeedKey): Partial<Record<ExpertKind, Speed>> {
  const rates = runFlopRates(
    catalog,
    forestId,
    (s, device, architecture) =>
      s.batchSize === key.settings.batchSize &&
      s.microBatches === key.settings.microBatches &&
      (s.recompute ?? false) === key.settings.recompute &&
      s.contextLength === key.settings.contextLength &&
      s.threads === key.settings.threads &&
      (key.device === 'auto' || device === key.device) &&
      architecture === key.architecture,
  );
  const out: Partial<Record<ExpertKind, Speed>> = {};
  for (const kind of ['full', 'light'] as const) {
    const runs = rates.filter((r) => r.kind === kind).slice(0, RUNS_USED);
    if (runs.length > 0)
      out[kind] = {
        flopsPerSecond: median(runs.map((r) => r.flopsPerSecond)),
        source: { kind: 'runs', of: kind, runs: runs.length, device: runs[0]!.device },
      };
  }
  return out;
}

/** The speeds measureTraining kept for these conditions (the newest of each kind). */
function measuredSpeeds(home: string, key: SpeedKey): Partial<Record<ExpertKind, Speed>> {
  const out: Partial<Record<ExpertKind, Speed>> = {};
  const matching = readMeasuredSpeeds(home).filter(
    (m) =>
      m.architecture === key.architecture &&
      m.batchSize === key.settings.batchSize &&
      m.microBatches === key.settings.microBatches &&
      m.recompute === key.settings.recompute &&
      m.contextLength === key.settings.contextLength &&
      m.threads === key.settings.threads &&
      (key.device === 'auto' || m.device === key.device),
  );
  for (const m of matching.sort((a, b) => a.measuredAt.localeCompare(b.measuredAt)))
    out[m.kind] = {
      flopsPerSecond: m.flopsPerSecond,
      source: { kind: 'measured', of: m.kind, measuredAt: m.measuredAt, device: m.device },
    };
  return out;
}

/** Each kind's speed: its own runs, else its own measurement, else the other kind's (runs first), in FLOP/s. */
export function speedsFor(catalog: Catalog, home: string, forestId: number, key: SpeedKey): Record<ExpertKind, Speed | null> {
  const runs = speedsFromRuns(catalog, forestId, key);
  const measured = measuredSpeeds(home, key);
  const own = (k: ExpertKind) => runs[k] ?? measured[k];
  return { full: own('full') ?? own('light') ?? null, light: own('light') ?? own('full') ?? null };
}

/** How a peak compares with the memory available now. */
export function fitOf(peakBytes: number, availableBytes: number): KindEstimate['fits'] {
  if (peakBytes <= COMFORTABLE_SHARE * availableBytes) return 'comfortable';
  return peakBytes <= availableBytes ? 'tight' : 'no';
}

/** A light expert's adapter as the estimate's input asks for it (alpha does not change a cost). */
export function lightOption(light: { rank: number; targets?: readonly string[] | undefined }): LoraConfig {
  const targets = LORA_TARGETS.filter((t) => !light.targets || light.targets.includes(t));
  return { rank: light.rank, alpha: 2 * light.rank, targets };
}

/** Decimal units, as the app's formatBytes writes them (the reason sits beside its figures). */
const gb = (bytes: number): string => (bytes < 1e9 ? `${Math.max(1, Math.round(bytes / 1e6))} MB` : `${(bytes / 1e9).toFixed(2)} GB`);

/** Full while its training fits comfortably (today's behaviour for small forests), light otherwise. */
export function recommendKind(
  full: Pick<KindEstimate, 'peakMemoryBytes' | 'fits'>,
  light: Pick<KindEstimate, 'peakMemoryBytes' | 'fits'>,
  availableBytes: number,
): { recommended: ExpertKind; reason: string } {
  if (full.fits === 'comfortable')
    return {
      recommended: 'full',
      reason: `A full expert’s training peaks at about ${gb(full.peakMemoryBytes)}, which fits comfortably in the ${gb(availableBytes)} of memory available now.`,
    };
  const lightFits =
    light.fits === 'no'
      ? `and a light one’s (${gb(light.peakMemoryBytes)}) would not fit either: close other programs first`
      : `a light one needs about ${gb(light.peakMemoryBytes)}`;
  return {
    recommended: 'light',
    reason: `A full expert’s training would peak at about ${gb(full.peakMemoryBytes)} of the ${gb(availableBytes)} of memory available now; ${lightFits}.`,
  };
}

export function trainingEstimate(
  catalog: Catalog,
  home: string,
  input: ApiParsedInput<'trainingEstimate'>,
  machine: MachineMemory,
): TrainingEstimate {
  // A light expert's settings differ from a full one's in the learning rate alone: batch, micro-batches and context (all the costs depend on) are the same.
  const t = domainTraining(catalog, input.domain, input.budget, input, false);
  return estimateOf(catalog, home, { ...t, name: t.domain.name }, input, machine);
}

/**
 * The estimate of a training planned on `name`'s training tokens (an ingested domain's, or a discovered
 * cluster's still to be ingested: discover-estimate.ts), with the forest's settings in `t`.
 */
export function estimateOf(
  catalog: Catalog,
  home: string,
  t: Omit<DomainTraining, 'domain'> & { name: string },
  input: Pick<ApiParsedInput<'trainingEstimate'>, 'light' | 'device'>,
  machine: MachineMemory,
): TrainingEstimate {
  const config = parseModelConfig(JSON.parse(t.seedModel.architectureJson), 'the seed');
  const settings = t.settings;
  const lora = lightOption(input.light);
  const key: SpeedKey = { architecture: t.seedModel.architectureJson, settings, device: input.device };
  const speeds = speedsFor(catalog, home, t.forestId, key);
  const seedSha = storedRef(catalog, t.seedModel.id).sha256;

  const kindEstimate = (kind: ExpertKind): KindEstimate => {
    const shape: TrainShape = {
      config,
      batchSize: settings.batchSize,
      microBatches: settings.microBatches,
      contextLength: settings.contextLength,
      recompute: settings.recompute,
      ...(kind === 'light' ? { lora } : {}),
    };
    const speed = speeds[kind];
    const length = runLength(shape, t.budget, speed?.flopsPerSecond ?? null);
    const candidates = branchCandidates(catalog, t.forestId, kind === 'light' ? lightJob({ rank: lora.rank }, seedSha) : undefined).length;
    // A full expert's init is a new file when it averages two or more experts; a light one's unless it copies its one parent.
    const initIsNewFile = kind === 'full' ? candidates >= 2 : candidates !== 1;
    const disk = trainingDisk(shape, length.steps, settings.checkpointEverySteps ?? defaultCheckpointSteps(length.steps), initIsNewFile);
    const memory = trainingMemory(shape);
    const flopsPerToken = trainingFlopsPerToken(shape);
    return {
      kind,
      trainableParameters: trainableParameters(shape),
      diskBytes: disk.expertBytes,
      trainingDiskBytes: disk.trainingBytes,
      peakMemoryBytes: Math.round(memory.peakBytes),
      fits: fitOf(memory.peakBytes, machine.availableBytes),
      flopsPerToken,
      steps: length.steps,
      tokens: length.tokens,
      seconds: length.seconds,
      tokensPerSecond: speed ? speed.flopsPerSecond / flopsPerToken : null,
      speed: speed?.source ?? null,
    };
  };
  const full = kindEstimate('full');
  const light = kindEstimate('light');
  return {
    domain: t.name,
    budget: t.budget,
    domainTokens: t.trainTokens,
    settings: {
      batchSize: settings.batchSize,
      microBatches: settings.microBatches,
      contextLength: settings.contextLength,
      threads: settings.threads,
    },
    machine: { totalMemoryBytes: machine.totalBytes, availableMemoryBytes: machine.availableBytes },
    full,
    light,
    ...recommendKind(full, light, machine.availableBytes),
  };
}

/**
 * The estimate a new expert's run keeps when it is queued: what the new-expert flow showed for the kind chosen
 * (the same inputs give the same figures), to be set beside what the run took.
 */
export function runEstimate(
  catalog: Catalog,
  home: string,
  input: ApiParsedInput<'trainExpert'>,
  machine: MachineMemory = machineMemory(),
): RunEstimate {
  const estimate = trainingEstimate(
    catalog,
    home,
    {
      domain: input.domain,
      light: input.light ? { rank: input.light.rank, targets: input.light.targets } : { rank: 16 },
      device: input.device,
      ...(input.budget ? { budget: input.budget } : {}),
      ...(input.threads !== undefined ? { threads: input.threads } : {}),
    },
    machine,
  );
  const k = input.light ? estimate.light : estimate.full;
  return { kind: k.kind, seconds: k.seconds, peakMemoryBytes: k.peakMemoryBytes, speed: k.speed?.kind ?? null };
}
