// What each curated model would cost on this machine before it is downloaded (the first-run picker, `grove
// models`): memory to chat and to train an expert, from the shape, and the time to train an expert on 1 MB of
// text. The time is the run's FLOPs (the default settings of a pretrained seed, the default budget of two
// passes over the text's training share) over this machine's training FLOP rate: the forest's runs here (any
// shape: the engine bench trains shapes from a few million to 135M parameters at 58-62 % of the MatMul peak,
// so a rate carries across shapes), else the measurements kept here, else a reference machine's rate per core,
// which the view says is not measured here.
import { availableParallelism } from 'node:os';
import type { CuratedEstimateView, MachineSpeedView } from '../../shared/api/schemas-hub';
import type { Catalog } from '../catalog/catalog';
import { resolveSettings } from '../../engine/corpus/settings';
import { curatedConfig, type CuratedModel } from '../../engine/hub/curated';
import type { MachineMemory } from '../../engine/machine-memory';
import { chatMemoryBytes } from '../../engine/runtime/chat-memory';
import { defaultBudget, defaultTrainingSettings } from '../store/training-settings';
import { runLength, trainingMemory, type TrainShape } from '../../engine/train/estimate';
import { readMeasuredSpeeds } from '../../engine/train/measured-speed';
import { fitOf, lightOption, median, recommendKind, runFlopRates } from './training-estimate';

/** The text the picker's time is for. */
export const ESTIMATE_TEXT_BYTES = 1_000_000;
/** English prose in these models' BPE vocabularies: about 4 bytes a token (corpus/report.ts uses the same). */
const BYTES_PER_TOKEN = 4;
/**
 * Training FLOP/s per core of the reference machine: SmolLM2-135M trained full at 96.2 tokens/s on 2 threads
 * of an AMD EPYC (bench/results/engine+llamacpp.md), at 860 MFLOP a token (train/estimate.ts), over 2 cores.
 */
export const REFERENCE_FLOPS_PER_CORE = 41e9;
/** Rates a speed is the median of (the newest). */
const SAMPLES = 5;

/** This machine's training FLOP rate: the forest's runs, else measurements kept in the home, else the reference per core. */
export function machineTrainingSpeed(catalog: Catalog, home: string): MachineSpeedView {
  const forest = catalog.forest();
  const runs = forest ? runFlopRates(catalog, forest.id, () => true).slice(0, SAMPLES) : [];
  if (runs.length > 0) return { kind: 'runs', flopsPerSecond: median(runs.map((r) => r.flopsPerSecond)), samples: runs.length };
  const measured = readMeasuredSpeeds(home)
    .sort((a, b) => b.measuredAt.localeCompare(a.measuredAt))
    .slice(0, SAMPLES);
  if (measured.length > 0)
    return { kind: 'measured', flopsPerSecond: median(measured.map((m) => m.flopsPerSecond)), samples: measured.length };
  return { kind: 'reference', flopsPerSecond: REFERENCE_FLOPS_PER_CORE * availableParallelism(), samples: 0 };
}

export function curatedEstimate(model: CuratedModel, speed: MachineSpeedView, machine: MachineMemory): CuratedEstimateView {
  const config = curatedConfig(model);
  const settings = defaultTrainingSettings(config, true);
  const base: TrainShape = {
    config,
    batchSize: settings.batchSize,
    microBatches: settings.microBatches,
    contextLength: settings.contextLength,
    recompute: settings.recompute,
  };
  const light: TrainShape = { ...base, lora: lightOption({ rank: 16 }) };
  const peaks = { full: trainingMemory(base).peakBytes, light: trainingMemory(light).peakBytes };
  const fits = { full: fitOf(peaks.full, machine.availableBytes), light: fitOf(peaks.light, machine.availableBytes) };
  const { recommended } = recommendKind(
    { peakMemoryBytes: peaks.full, fits: fits.full },
    { peakMemoryBytes: peaks.light, fits: fits.light },
    machine.availableBytes,
  );
  const tokens = Math.round(ESTIMATE_TEXT_BYTES / BYTES_PER_TOKEN);
  const ingest = resolveSettings();
  const trainTokens = Math.round(tokens * (1 - ingest.validFraction - ingest.testFraction));
  const length = runLength(recommended === 'light' ? light : base, defaultBudget(trainTokens, settings), speed.flopsPerSecond);
  return {
    chatMemoryBytes: Math.round(chatMemoryBytes(config)),
    fullTrainMemoryBytes: Math.round(peaks.full),
    lightTrainMemoryBytes: Math.round(peaks.light),
    kind: recommended,
    fits: fits[recommended],
    textBytes: ESTIMATE_TEXT_BYTES,
    tokens,
    steps: length.steps,
    seconds: length.seconds ?? 0,
    speed,
  };
}
