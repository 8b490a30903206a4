// A time budget holds: the loop stops when its wall-clock time, summed over every resume, is spent (with a
// checkpoint and a model, as a finished run), even when far more steps were planned; a resumed run does not
// get the time again.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestFolder } from '../../../src/engine/corpus/ingest';
import { readManifest, splitShards } from '../../../src/engine/corpus/manifest';
import { corpusTokenizer } from '../../../src/engine/corpus/types';
import { parseModelConfig } from '../../../src/engine/model/config';
import { loadTokenizer } from '../../../src/engine/tokenize/load';
import { loadLatestCheckpoint } from '../../../src/engine/train/checkpoint';
import { FINISHED, readMetrics, runTraining, type TrainLoopOptions } from '../../../src/engine/train/loop';
import { LlamaTrainer } from '../../../src/engine/train/step-runner';
import { TokenWindows } from '../../../src/engine/train/windows';
import { tempDir } from '../../helpers/tmp';
import { writeTestTokenizer } from '../../helpers/tokenizer';

const dir = tempDir();
const domain = join(dir, 'domain');
let trainer: LlamaTrainer;
let train: TokenWindows;
afterAll(async () => {
  train?.close();
  await trainer?.close();
});

beforeAll(async () => {
  const tokenizer = await loadTokenizer(await writeTestTokenizer(dir, 320));
  mkdirSync(join(dir, 'docs'));
  for (let i = 0; i < 30; i++)
    writeFileSync(
      join(dir, 'docs', `d${i}.txt`),
      `Day ${i}: the heron fished by the willow, and the river ran ${i % 5} feet deep.\n`.repeat(12),
    );
  await ingestFolder({ folder: join(dir, 'docs'), out: domain, tokenizer: corpusTokenizer(tokenizer), settings: { minTrainTokens: 0 } });
  const config = parseModelConfig({
    architecture: 'LlamaForCausalLM',
    vocabSize: 320,
    hiddenSize: 32,
    intermediateSize: 64,
    numHiddenLayers: 1,
    numAttentionHeads: 2,
    tieWordEmbeddings: true,
  });
  trainer = await LlamaTrainer.create(config, { batchSize: 2, contextLength: 16, threads: 1, seed: 1 });
  train = new TokenWindows(splitShards(domain, await readManifest(domain), 'train'), 16, 1);
});

describe('runTraining with a time budget', () => {
  it('stops when the time is spent, far short of the planned steps, and a resume gets no more time', async () => {
    const runDir = join(dir, 'run');
    const options: TrainLoopOptions = {
      runDir,
      totalSteps: 1_000_000,
      schedule: { peakLr: 1e-3, warmupSteps: 0 },
      seed: 1,
      train,
      timeLimitSeconds: 1,
    };
    const lines: string[] = [];
    const first = await runTraining(trainer, { ...options, log: (l) => lines.push(l) });
    expect(first.reason).toBe('time-limit');
    expect(FINISHED).toContain(first.reason);
    expect(first.state.step).toBeGreaterThan(0);
    expect(first.state.step).toBeLessThan(1_000_000);
    expect(first.state.elapsedSeconds).toBeGreaterThanOrEqual(1);
    expect(lines.join('\n')).toMatch(/stopped at the time budget \(1 s\) after step \d+ of the 1000000 planned/);
    const saved = await loadLatestCheckpoint(join(runDir, 'checkpoints'));
    expect(saved?.state).toMatchObject({ step: first.state.step, elapsedSeconds: first.state.elapsedSeconds });
    await saved?.tensors.close();

    const again = await runTraining(trainer, options);
    expect(again).toMatchObject({ reason: 'time-limit', state: { step: first.state.step } });
    expect(readMetrics(runDir).filter((m) => m.split === 'train')).toHaveLength(first.state.step);
  });
});
