// GGUF export against llama.cpp itself (node-llama-cpp's prebuilt binary): a model Grove trained on Brown
// corpus text, written as GGUF, decodes the same 32 greedy tokens in llama.cpp as in Grove. Also random
// models that exercise GQA, untied heads, Qwen2 biases, a padded vocabulary and Llama 3 rope scaling.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportModel } from '../../../src/engine/export/index';
import { permuteForRope } from '../../../src/engine/export/gguf';
import { type ModelConfigInput } from '../../../src/engine/model/config';
import type { BrownTokenizer } from '../../../src/bench/brown-model';
import { sharedBrownModel, type SharedBrownModel } from '../../helpers/brown-model';
import { groveGreedy, withLlamaCpp } from '../../helpers/greedy';
import { writeTestModel } from '../../helpers/model';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();
let brown: BrownTokenizer;
let tokenizerDir = '';
let promptIds: number[] = [];
let groveTokenize: (text: string) => number[] = () => [];
const SAMPLE =
  'The Fulton County Grand Jury said Friday an investigation of Atlanta\'s recent primary election produced "no evidence" that any irregularities took place -- 1962\'s  numbers: 3,141.59!';

/** llama.cpp's greedy continuation; with `textToTokenize`, its tokenization of that text is checked against Grove's first. */
function llamaCppGreedy(gguf: string, prompt: readonly number[], count: number, textToTokenize?: string): Promise<number[]> {
  return withLlamaCpp(gguf, async (runner) => {
    // The tokenizer metadata (tokens, merges, pre-tokenizer) gives llama.cpp Grove's tokenization.
    if (textToTokenize !== undefined) expect(runner.tokenize(textToTokenize)).toEqual(groveTokenize(textToTokenize));
    return runner.greedy(prompt, count);
  });
}

let trained: SharedBrownModel;
beforeAll(async () => {
  trained = await sharedBrownModel();
  brown = trained.brown;
  tokenizerDir = brown.tokenizerDir;
  promptIds = brown.encode('The jury said it did find that the');
  groveTokenize = brown.encode;
}, 300_000); // it may train the shared model, or wait while another file does

describe('rope permutation', () => {
  it('moves each head row j + s * D/2 to 2j + s (HF rotate_half pairs -> llama.cpp adjacent pairs)', () => {
    // 2 heads of size 4, 1 column: rows per head [a0 a1 b0 b1] -> [a0 b0 a1 b1]
    expect([...permuteForRope(Float32Array.from([0, 1, 2, 3, 10, 11, 12, 13]), 2, 1)]).toEqual([0, 2, 1, 3, 10, 12, 11, 13]);
    // Columns move with their row.
    expect([...permuteForRope(Float32Array.from([0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5]), 1, 2)]).toEqual([0, 0.5, 2, 2.5, 1, 1.5, 3, 3.5]);
  });
});

// Each case trains or loads a model in two runtimes: minutes, not seconds, on a busy 2-core machine.
describe('GGUF export runs in llama.cpp (node-llama-cpp)', { timeout: 180_000 }, () => {
  it('a model Grove trained on Brown text: 32 greedy tokens equal in llama.cpp and Grove (f32 and f16), same tokenization', async () => {
    const {
      folder,
      loss,
      config: { vocabSize },
    } = trained;
    expect(loss).toBeLessThan(Math.log(vocabSize) - 1); // it learned something: not a degenerate argmax

    const gguf = join(dir, 'trained.gguf');
    await exportModel({ folder, format: 'gguf', out: gguf, tokenizerDir, name: 'brown-tiny' });
    const grove = await groveGreedy(folder, promptIds, 32);
    const llamaCpp = await llamaCppGreedy(gguf, promptIds, 32, SAMPLE);
    console.log(`trained model: loss ${loss.toFixed(3)}; greedy ${grove.join(' ')}`);
    expect(new Set(grove).size).toBeGreaterThan(3); // a varied continuation, not one token repeated
    expect(llamaCpp).toEqual(grove);

    // f16: Grove runs the f16 Hugging Face export (weights rounded as in the GGUF), llama.cpp the f16 GGUF.
    const hf16 = join(dir, 'trained-hf-f16');
    await exportModel({ folder, format: 'hf', out: hf16, dtype: 'f16', tokenizerDir });
    const gguf16 = join(dir, 'trained-f16.gguf');
    await exportModel({ folder, format: 'gguf', out: gguf16, dtype: 'f16', tokenizerDir });
    expect(await llamaCppGreedy(gguf16, promptIds, 32)).toEqual(await groveGreedy(hf16, promptIds, 32));
  });

  const randomCases: { name: string; config: ModelConfigInput }[] = [
    {
      name: 'llama-gqa-untied-padded-vocab',
      config: {
        architecture: 'LlamaForCausalLM',
        vocabSize: 530,
        hiddenSize: 48,
        intermediateSize: 96,
        numHiddenLayers: 2,
        numAttentionHeads: 6,
        numKeyValueHeads: 2,
        initializerRange: 0.2,
        maxPositionEmbeddings: 256,
      },
    },
    {
      name: 'qwen2-biases-tied',
      config: {
        architecture: 'Qwen2ForCausalLM',
        vocabSize: 512,
        hiddenSize: 32,
        intermediateSize: 64,
        numHiddenLayers: 2,
        numAttentionHeads: 4,
        numKeyValueHeads: 1,
        qkvBias: true,
        tieWordEmbeddings: true,
        ropeTheta: 1e6,
        initializerRange: 0.2,
        maxPositionEmbeddings: 256,
      },
    },
    {
      name: 'llama3-rope-scaling-attention-bias',
      config: {
        architecture: 'LlamaForCausalLM',
        vocabSize: 512,
        hiddenSize: 32,
        intermediateSize: 64,
        numHiddenLayers: 2,
        numAttentionHeads: 2,
        qkvBias: true,
        oBias: true,
        ropeTheta: 500000,
        ropeScaling: { ropeType: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 16 },
        initializerRange: 0.2,
        maxPositionEmbeddings: 256,
      },
    },
  ];
  it('writes the metadata llama.cpp reads: general.*, llama.* hyper-parameters, tokenizer, tensor types', async () => {
    const { readGgufFileInfo } = await import('node-llama-cpp');
    const folder = join(dir, 'meta');
    await writeTestModel(
      folder,
      {
        architecture: 'LlamaForCausalLM',
        vocabSize: 520,
        hiddenSize: 32,
        intermediateSize: 64,
        numHiddenLayers: 1,
        numAttentionHeads: 4,
        numKeyValueHeads: 2,
        rmsNormEps: 1e-5,
        ropeTheta: 50000,
        maxPositionEmbeddings: 128,
      },
      { tokenizer: join(tokenizerDir, 'tokenizer.json') },
    );
    const gguf = join(dir, 'meta.gguf');
    await exportModel({ folder, format: 'gguf', out: gguf, dtype: 'f16', name: 'meta-model' });
    const info = await readGgufFileInfo(gguf, { logWarnings: false });
    const m = info.metadata as unknown as Record<string, Record<string, unknown>>;
    expect(info.version).toBe(3);
    expect(m.general).toMatchObject({ architecture: 'llama', name: 'meta-model', file_type: 1 });
    expect(m.llama).toMatchObject({ context_length: 128, embedding_length: 32, block_count: 1, feed_forward_length: 64, vocab_size: 520 });
    expect((m.llama!.attention as Record<string, unknown>).head_count_kv).toBe(2);
    expect((m.llama!.rope as Record<string, unknown>).freq_base).toBe(50000);
    const tok = (m.tokenizer as Record<string, Record<string, unknown>>).ggml!;
    expect(tok.model).toBe('gpt2');
    expect(tok.pre).toBe('gpt-2');
    expect((tok.tokens as string[]).length).toBe(520); // 512 tokenizer ids + 8 padding rows
    expect((tok.tokens as string[])[519]).toBe('[PAD519]');
    expect((tok.token_type as number[])[0]).toBe(3); // <|endoftext|>: control
    expect(tok.eos_token_id).toBe(0);
    const types = new Map(info.fullTensorInfo!.map((t) => [t.name, t.ggmlType]));
    expect(types.get('blk.0.attn_q.weight')).toBe(1); // f16 matrices
    expect(types.get('blk.0.attn_norm.weight')).toBe(0); // f32 vectors
    expect(info.fullTensorInfo!.find((t) => t.name === 'token_embd.weight')!.dimensions).toEqual([32, 520]);
  });

  for (const c of randomCases) {
    it(`${c.name}: 32 greedy tokens equal (f32)`, async () => {
      const folder = join(dir, c.name);
      await writeTestModel(folder, c.config, { seed: 5, tokenizer: join(tokenizerDir, 'tokenizer.json') });
      const gguf = join(dir, `${c.name}.gguf`);
      await exportModel({ folder, format: 'gguf', out: gguf });
      const grove = await groveGreedy(folder, promptIds, 32);
      expect(new Set(grove).size).toBeGreaterThan(3);
      expect(await llamaCppGreedy(gguf, promptIds, 32)).toEqual(grove);
    });
  }
});
