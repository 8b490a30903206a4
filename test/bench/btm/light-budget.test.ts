// The light experts' step accounting at equal FLOPs: counted by hand here for the quick preset's micro shape
// (the header of src/engine/train/estimate.ts gives the count), so a change to either side of the budget
// shows up as a wrong step count; and the rule itself (never more FLOPs than the full expert, less than one
// light step left unspent) on shapes where a light step costs less, the same, or more than a full one.
import { describe, expect, it } from 'vitest';
import { btmLight } from '../../../src/bench/btm/config';
import { lightBudget } from '../../../src/bench/btm/light-budget';
import { parseModelConfig } from '../../../src/engine/model/config';

const micro = parseModelConfig(
  {
    architecture: 'LlamaForCausalLM',
    vocabSize: 512,
    hiddenSize: 32,
    intermediateSize: 64,
    numHiddenLayers: 2,
    numAttentionHeads: 2,
    maxPositionEmbeddings: 64,
    tieWordEmbeddings: true,
  },
  'test',
);
const shape = (rank: number) => ({ batchSize: 4, contextLength: 64, light: btmLight(rank) });

describe('light experts at equal FLOPs', () => {
  it('gives a rank-4 light expert of the micro shape 24 steps for a full expert’s 20', () => {
    // Parameters: tied embedding 512 x 32, per layer q/k/v/o 4 x 32 x 32, gate/up/down 3 x 32 x 64, two norms
    // of 32; the final norm: 16,384 + 2 x 10,304 + 32 = 37,024. Attention: 12 x 2 layers x 64 x 32 = 49,152.
    const params = 512 * 32 + 2 * (4 * 32 * 32 + 3 * 32 * 64 + 2 * 32) + 32;
    const attention = 12 * 2 * 64 * 32;
    // Adapter, rank 4: A [4, in] and B [out, 4] on q/k/v/o (32 -> 32), gate/up (32 -> 64), down (64 -> 32).
    const adapter = 2 * (4 * (4 * 32 + 32 * 4) + 2 * (4 * 32 + 64 * 4) + (4 * 64 + 32 * 4));
    expect(adapter).toBe(4352);
    const full = 6 * params + attention;
    const light = 4 * params + attention + 6 * adapter;
    const b = lightBudget(micro, shape(4), 20);
    expect(b.fullFlopsPerToken).toBe(full);
    expect(b.lightFlopsPerToken).toBe(light);
    expect(b.fullExpertFlops).toBe(20 * 256 * full);
    // 20 x 271,296 / 223,360 = 24.29: 24 whole light steps.
    expect(b.steps).toBe(24);
    expect(b.lightExpertFlops).toBe(24 * 256 * light);
  });

  it('never spends more than the full expert and leaves less than one light step unspent', () => {
    for (const rank of [1, 4, 16, 64, 256]) {
      for (const expertSteps of [1, 7, 20, 70]) {
        const b = lightBudget(micro, shape(rank), expertSteps);
        const stepFlops = 256 * b.lightFlopsPerToken;
        expect(b.lightExpertFlops, `rank ${rank}, ${expertSteps} steps`).toBeLessThanOrEqual(b.fullExpertFlops);
        expect(b.fullExpertFlops - b.lightExpertFlops).toBeLessThan(stepFlops);
        expect(b.lightExpertFlops).toBe(b.steps * stepFlops);
      }
    }
  });

  it('gives more steps where a light step is cheaper and fewer where its adapter outweighs the saved gradients', () => {
    // Rank 1: the adapter is tiny, a light step costs about 4/6 of a full one (less, with attention shared).
    expect(lightBudget(micro, shape(1), 70).steps).toBeGreaterThan(70);
    // Rank 256 on a 32-wide model: the adapter is larger than the base, so a light step costs more than a full one.
    const wide = lightBudget(micro, shape(256), 70);
    expect(wide.lightFlopsPerToken).toBeGreaterThan(wide.fullFlopsPerToken);
    expect(wide.steps).toBeLessThan(70);
  });
});
