// Training settings sized to the seed: from scratch small models take large learning rates, pretrained seeds
// are fine-tuned gently, large ones accumulate micro-batches; a light expert takes ten times the rate, capped.
import { describe, expect, it } from 'vitest';
import { parseModelConfig } from '../../../src/engine/model/config';
import { defaultTrainingSettings, lightTrainingSettings } from '../../../src/app/store/training-settings';

const tiny = parseModelConfig({
  architecture: 'LlamaForCausalLM',
  vocabSize: 320,
  hiddenSize: 32,
  intermediateSize: 64,
  numHiddenLayers: 2,
  numAttentionHeads: 4,
  tieWordEmbeddings: true,
});
const smol = parseModelConfig({
  architecture: 'LlamaForCausalLM',
  vocabSize: 49152,
  hiddenSize: 576,
  intermediateSize: 1536,
  numHiddenLayers: 30,
  numAttentionHeads: 9,
  numKeyValueHeads: 3,
  tieWordEmbeddings: true,
});

describe('training settings', () => {
  it('size the learning rate and micro-batches to the seed', () => {
    expect(defaultTrainingSettings(tiny, false)).toMatchObject({ peakLr: 2e-3, microBatches: 1, contextLength: 128, batchSize: 16 });
    expect(defaultTrainingSettings(smol, true)).toMatchObject({ peakLr: 5e-5, microBatches: 4, contextLength: 256, batchSize: 8 });
  });

  it('give a light expert ten times the learning rate, at most 1e-2, and nothing else changed', () => {
    const pretrained = defaultTrainingSettings(smol, true);
    expect(lightTrainingSettings(pretrained)).toEqual({ ...pretrained, peakLr: 5e-4 });
    expect(lightTrainingSettings(defaultTrainingSettings(tiny, false)).peakLr).toBe(1e-2);
  });
});
