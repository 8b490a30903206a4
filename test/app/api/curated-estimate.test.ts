// What the first-run picker says each curated model costs here: memory from the shape (the calibrated training
// peaks, the chat figure), the kind that fits the machine's memory, and the time to train an expert on 1 MB of
// text at this machine's speed: a reference rate per core before anything was measured, the measurements kept
// in the home once there are some (the runs' speed is covered in training-estimate.test.ts).
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  curatedEstimate,
  ESTIMATE_TEXT_BYTES,
  machineTrainingSpeed,
  REFERENCE_FLOPS_PER_CORE,
} from '../../../src/app/api/curated-estimate';
import { Catalog } from '../../../src/app/catalog/catalog';
import { catalogPath } from '../../../src/app/home';
import { CURATED_MODELS, curatedConfig, curatedModel } from '../../../src/engine/hub/curated';
import { LORA_TARGETS } from '../../../src/engine/model/lora';
import { trainingFlopsPerToken, trainingMemory } from '../../../src/engine/train/estimate';
import { recordMeasuredSpeeds, type MeasuredSpeed } from '../../../src/engine/train/measured-speed';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();
const roomy = { totalBytes: 64e9, availableBytes: 32e9 };
const smol = curatedModel('HuggingFaceTB/SmolLM2-135M')!;

function measured(flopsPerSecond: number, measuredAt: string): MeasuredSpeed {
  return {
    architecture: '{}',
    batchSize: 8,
    microBatches: 1,
    recompute: false,
    contextLength: 256,
    threads: 0,
    device: 'cpu',
    kind: 'full',
    flopsPerSecond,
    tokensPerSecond: 1,
    steps: 3,
    measuredAt,
  };
}

describe('curated model estimates', () => {
  it('times 1 MB of text at a reference rate per core before anything was measured here, and says so', () => {
    const home = join(dir, 'empty');
    const catalog = Catalog.open(catalogPath(home));
    const speed = machineTrainingSpeed(catalog, home);
    expect(speed).toEqual({ kind: 'reference', flopsPerSecond: REFERENCE_FLOPS_PER_CORE * availableParallelism(), samples: 0 });
    const e = curatedEstimate(smol, speed, roomy);
    // 1 MB at 4 bytes a token; the default budget is two passes over the 90 % training share, 8 x 256 tokens a step.
    expect(e).toMatchObject({
      textBytes: ESTIMATE_TEXT_BYTES,
      tokens: 250_000,
      steps: Math.ceil((2 * 225_000) / (8 * 256)),
      kind: 'full',
      fits: 'comfortable',
    });
    const flops = e.steps * 8 * 256 * trainingFlopsPerToken({ config: curatedConfig(smol), contextLength: 256 });
    expect(e.seconds).toBeCloseTo(flops / speed.flopsPerSecond, 6);
    // The calibrated peaks of a pretrained 135M seed's settings: 8 x 256 tokens in 4 micro-batches, rank 16 on every projection.
    const shape = { config: curatedConfig(smol), batchSize: 8, microBatches: 4, contextLength: 256 };
    expect(e.fullTrainMemoryBytes).toBe(Math.round(trainingMemory(shape).peakBytes));
    expect(e.lightTrainMemoryBytes).toBe(
      Math.round(trainingMemory({ ...shape, lora: { rank: 16, alpha: 32, targets: [...LORA_TARGETS] } }).peakBytes),
    );
    expect(e.fullTrainMemoryBytes / 1e9).toBeGreaterThan(4);
    // Float32 weights (538 MB), a 2,048-token KV cache (94 MB) and the runtime.
    expect(e.chatMemoryBytes / 1e6).toBeGreaterThan(700);
    expect(e.chatMemoryBytes / 1e6).toBeLessThan(800);
    catalog.close();
  });

  it('recommends a light expert where a full one would not fit comfortably, and times that', () => {
    const speed = { kind: 'reference' as const, flopsPerSecond: 80e9, samples: 0 };
    const full = curatedEstimate(smol, speed, roomy);
    const light = curatedEstimate(smol, speed, { totalBytes: 8e9, availableBytes: 4e9 });
    expect(light).toMatchObject({ kind: 'light', fits: 'comfortable', steps: full.steps });
    // A light step does no weight gradients: about 2/3 of a full step's FLOPs.
    expect(light.seconds / full.seconds).toBeGreaterThan(0.6);
    expect(light.seconds / full.seconds).toBeLessThan(0.75);
    expect(curatedEstimate(smol, speed, { totalBytes: 2e9, availableBytes: 1e9 }).fits).toBe('no');
  });

  it('takes the median of the measurements kept in the home once there are some', async () => {
    const home = join(dir, 'measured');
    const catalog = Catalog.open(catalogPath(home));
    await recordMeasuredSpeeds(home, [
      measured(60e9, '2026-01-01T00:00:00Z'),
      { ...measured(90e9, '2026-01-02T00:00:00Z'), kind: 'light' },
      { ...measured(70e9, '2026-01-03T00:00:00Z'), batchSize: 4 },
    ]);
    const speed = machineTrainingSpeed(catalog, home);
    expect(speed).toEqual({ kind: 'measured', flopsPerSecond: 70e9, samples: 3 });
    // Bigger models take longer, in proportion to their FLOPs per token.
    const times = CURATED_MODELS.filter((m) => m.kind === 'instruct').map((m) => curatedEstimate(m, speed, roomy).seconds);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    catalog.close();
  });
});
