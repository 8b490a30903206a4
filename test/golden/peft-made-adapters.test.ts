// LoRA adapters made by PEFT itself (peft 0.21.0 with transformers 5.17.0 and torch 2.11.0, by
// `peft_interop.py make`: LoraConfig r=4, alpha 8, all seven projections, B drawn nonzero, save_pretrained)
// over the two bases below, with the logits PEFT's own PeftModel gave on IDS (test/golden/peft/<case>/). Grove
// imports each as `grove import-adapter` does and must give those logits. The bases are Grove's deterministic
// test models (seed 7), written here exactly as they were handed to PEFT. The other direction (an adapter Grove
// exports, loaded by PeftModel) was checked with the same script: max |logit difference| 6.2e-6 (Llama) and
// 6.1e-6 (Qwen2) on 2026-12-04.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ModelConfigInput } from '../../src/engine/model/config';
import { writeTestModel } from '../helpers/model';
import { peftAdapterLogits } from '../helpers/peft-logits';
import { tempDir } from '../helpers/tmp';

const IDS = [1, 250, 17, 3, 99, 42, 7, 280, 11, 64, 5, 150, 2, 77, 123, 201];
const CASES: Record<'llama' | 'qwen2', ModelConfigInput> = {
  llama: {
    architecture: 'LlamaForCausalLM',
    vocabSize: 300,
    hiddenSize: 64,
    intermediateSize: 128,
    numHiddenLayers: 2,
    numAttentionHeads: 4,
    numKeyValueHeads: 2,
    initializerRange: 0.2,
    maxPositionEmbeddings: 256,
  },
  qwen2: {
    architecture: 'Qwen2ForCausalLM',
    qkvBias: true,
    tieWordEmbeddings: true,
    vocabSize: 300,
    hiddenSize: 32,
    intermediateSize: 64,
    numHiddenLayers: 2,
    numAttentionHeads: 4,
    numKeyValueHeads: 1,
    initializerRange: 0.2,
    ropeTheta: 1e6,
    maxPositionEmbeddings: 256,
  },
};

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('adapters written by PEFT, imported into Grove', () => {
  for (const [name, input] of Object.entries(CASES)) {
    it(`${name}: Grove's logits equal PeftModel's within 1e-4, and the adapter moves them`, async () => {
      const base = join(tempDir(), 'base');
      await writeTestModel(base, input, { seed: 7 });
      const fixture = join(import.meta.dirname, 'peft', name);
      const reference = (JSON.parse(readFileSync(join(fixture, 'peft-logits.json'), 'utf8')) as number[][]).flat();
      const grove = await peftAdapterLogits(base, fixture, IDS);
      expect(grove.length).toBe(reference.length);
      expect(maxAbsDiff(grove, reference)).toBeLessThanOrEqual(1e-4);
      // Not a pass by ignoring the adapter: the base alone is far from PEFT's logits.
      expect(maxAbsDiff(await peftAdapterLogits(base, undefined, IDS), reference)).toBeGreaterThan(0.05);
    });
  }
});
