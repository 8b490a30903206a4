// Bench suite "llamacpp": Grove's KV-cached greedy decoding against llama.cpp (node-llama-cpp's prebuilt CPU
// binary) on the same model (Grove's GGUF export of it: f32, and Q8_0 / Q4_0 against Grove's 8- and 4-bit
// graphs with their perplexity costs, llamacpp-quant.ts), same threads, on the small and SmolLM2-135M shapes (random init: speed does not depend on the values); an op-by-op ONNX Runtime profile of Grove's
// decode step, to show where the gap is; the quantizations' costs again on a language model (the small
// shape trained on Brown in the run); and the time to import a 135M-shape Hugging Face folder (bf16, as
// SmolLM2 ships) into a forest.
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportModel } from '../../engine/export/index';
import { presetConfig, type ModelConfig } from '../../engine/model/config';
import { writeModelFolder } from '../../engine/model/folder';
import { initParameters } from '../../engine/model/init';
import { initForestFromModel } from '../../app/store/init';
import { brownDocuments } from '../../engine/tokenize/brown';
import { saveTokenizerFiles } from '../../engine/tokenize/trained-json';
import { trainByteLevelBpe } from '../../engine/tokenize/train-bpe';
import { brownTokenizer, heldOutBrownTokens, trainBrownModel } from '../brown-model';
import { openLlamaCpp } from '../llama-cpp';
import type { Figure } from '../report';
import type { BenchContext, BenchSuite } from '../run';
import { interleaved, time } from '../timing';
import { decodeProfile, groveDecode, llamaCppAtBest, quantizationCostRows, quantizedRows } from './llamacpp-quant';

const SHAPES = ['small', 'smollm2-135m'] as const;

/** A random-init model folder with a small Grove-trained tokenizer beside it (the GGUF needs one). */
async function benchModel(name: string, config: ModelConfig, dtype: 'F32' | 'BF16'): Promise<string> {
  const folder = join(tmpdir(), `grove-bench-export-${name}-${dtype.toLowerCase()}`);
  if (existsSync(join(folder, 'model.safetensors')) && existsSync(join(folder, 'tokenizer.json'))) return folder;
  mkdirSync(folder, { recursive: true });
  const tensors = [...initParameters(config, 1)].map(({ spec, data }) => ({ name: spec.name, shape: spec.shape, data }));
  await writeModelFolder(folder, { config, tensors }, { dtype });
  await saveTokenizerFiles(folder, await trainByteLevelBpe([...brownDocuments(20)], { vocabSize: 512 }));
  return folder;
}

async function benchShape(name: (typeof SHAPES)[number], ctx: BenchContext): Promise<{ figures: Figure[]; profiles: Map<string, string> }> {
  const config = presetConfig(name);
  const folder = await benchModel(name, config, 'F32');
  const gguf = join(tmpdir(), `grove-bench-export-${name}.gguf`);
  if (!existsSync(gguf)) await exportModel({ folder, format: 'gguf', out: gguf, dtype: 'f32' });
  const tokens = ctx.quick ? 16 : 64;
  const rounds = ctx.quick ? 2 : 7;

  const load = loadavg()[0] as number;
  const grove = await groveDecode(folder, { threads: ctx.threads, tokens });
  const groveTokens = await grove.run();

  const { same: llamaSame, one: llamaOne } = await llamaCppAtBest(gguf, grove.run, { threads: ctx.threads, tokens, rounds });
  await grove.model.close();
  const llamaTokens = llamaSame.tokens;
  const groveTiming = { medianMs: (1000 * tokens) / llamaSame.groveRate };

  const profile = await decodeProfile(folder, name, {
    threads: ctx.threads,
    tokens,
    quant: 'f32',
    groveMsPerToken: groveTiming.medianMs / tokens,
    llamaMsPerToken: 1000 / Math.max(llamaSame.rate, llamaOne?.rate ?? 0),
  });

  const same = groveTokens.filter((t, i) => t === llamaTokens[i]).length;
  ctx.log(
    `  ${name}: Grove ${llamaSame.groveRate.toFixed(1)} tok/s vs llama.cpp ${llamaSame.rate.toFixed(1)} tok/s at ${ctx.threads} threads${llamaOne ? `; Grove ${llamaOne.groveRate.toFixed(1)} vs llama.cpp ${llamaOne.rate.toFixed(1)} at 1` : ''} (${same}/${tokens} greedy tokens equal)`,
  );
  const interleavedNote = `medians of ${rounds} runs each, interleaved with llama.cpp's`;
  const figures: Figure[] = [
    {
      name: `decode tokens/s (${name}, f32, greedy, ${tokens} tokens; both ${ctx.threads} threads)`,
      value: llamaSame.groveRate,
      unit: 'tok/s',
      reference: { name: 'llama.cpp', value: llamaSame.rate },
      note: `target >= 1.0x; ${same}/${tokens} greedy tokens equal; ${interleavedNote}; load ${load.toFixed(1)}`,
    },
  ];
  const quantized = await quantizedRows(name, folder, config, ctx);
  figures.push(...quantized.figures);
  if (llamaOne)
    figures.push({
      name: `decode tokens/s (${name}, f32; Grove ${ctx.threads} threads, llama.cpp 1 thread)`,
      value: llamaOne.groveRate,
      unit: 'tok/s',
      reference: { name: 'llama.cpp 1 thread', value: llamaOne.rate },
      note: `llama.cpp at 1 thread avoids its spinning threads contending with Node on this 2-core machine; ${interleavedNote}`,
    });
  return { figures, profiles: new Map([['f32', profile], ...quantized.profiles]) };
}

/** Training of trainedQuantRows' model: the small shape, 8 windows of 256 tokens a step. */
const TRAINED = { steps: 200, quickSteps: 10, batchSize: 8, contextLength: 256, peakLr: 3e-3 };

/**
 * The quantizations' costs on a model that predicts text (a random-init model's perplexity is above its
 * vocabulary's size, and its cost says how far the quantization moves it, not what it costs a language
 * model): the small shape with a 512-token BPE, trained in the run on 40 Brown documents, measured on the
 * Brown documents after them.
 */
async function trainedQuantRows(ctx: BenchContext): Promise<Figure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'grove-bench-brown-'));
  try {
    const brown = await brownTokenizer(dir);
    const folder = join(dir, 'model');
    const steps = ctx.quick ? TRAINED.quickSteps : TRAINED.steps;
    const shape = presetConfig('small');
    const started = performance.now();
    const { loss, config } = await trainBrownModel(brown, join(dir, 'run'), folder, {
      shape,
      steps,
      batchSize: TRAINED.batchSize,
      contextLength: TRAINED.contextLength,
      peakLr: TRAINED.peakLr,
      onStep: (step, stepLoss) => {
        if (step % 50 === 0) ctx.log(`  small on Brown: step ${step}/${steps}, loss ${stepLoss.toFixed(3)}`);
      },
    });
    const seconds = (performance.now() - started) / 1000;
    ctx.log(`  small on Brown: trained ${steps} steps in ${seconds.toFixed(0)} s, last loss ${loss.toFixed(3)}`);
    for (const file of ['tokenizer.json', 'tokenizer_config.json']) cpSync(join(brown.tokenizerDir, file), join(folder, file));
    const heldOut = heldOutBrownTokens(brown, ctx.quick ? 64 : 255);
    const weights = `the small shape with a ${config.vocabSize}-token vocabulary trained ${steps} steps of ${TRAINED.batchSize} x ${TRAINED.contextLength} tokens on 40 Brown documents (last training loss ${loss.toFixed(2)}): a language model's cost`;
    return await quantizationCostRows('small-brown', folder, config, heldOut, ctx, { weights, ggufDir: dir });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function importTime(ctx: BenchContext): Promise<Figure> {
  const folder = await benchModel('smollm2-135m', presetConfig('smollm2-135m'), 'BF16');
  const bytes = statSync(join(folder, 'model.safetensors')).size;
  const homes: string[] = [];
  const timing = await time(
    async () => {
      const home = join(tmpdir(), `grove-bench-import-${process.pid}-${homes.length}`);
      homes.push(home);
      await initForestFromModel(home, folder);
    },
    { warmup: 0, minRuns: ctx.quick ? 1 : 3, minMs: 0 },
  );
  for (const home of homes) rmSync(home, { recursive: true, force: true });
  ctx.log(`  import 135M-shape bf16 folder: ${timing.medianMs.toFixed(0)} ms`);
  return {
    name: 'import a 135M-shape HF folder (bf16 -> f32 store, grove init --from)',
    value: timing.medianMs / 1000,
    unit: 's',
    note: `${(bytes / 2 ** 20).toFixed(0)} MiB of bf16 safetensors; ${(bytes / 2 ** 20 / (timing.medianMs / 1000)).toFixed(0)} MiB/s read`,
  };
}

export const llamaCppSuite: BenchSuite = {
  name: 'llamacpp',
  description:
    'decode tokens/s Grove vs llama.cpp (node-llama-cpp, same GGUF: f32, Q8_0 vs Grove 8-bit, Q4_0 vs Grove 4-bit, same threads) and the cost of quantization in both (perplexity, KL divergence from f32, beside the exact cost of the weights) on small and smollm2-135m shapes and on the small shape trained on Brown; import time of a 135M-shape HF folder',
  async run(ctx) {
    const figures: Figure[] = [];
    const sections: { title: string; markdown: string }[] = [];
    for (const name of ctx.quick ? SHAPES.slice(0, 1) : SHAPES) {
      const r = await benchShape(name, ctx);
      figures.push(...r.figures);
      for (const [weights, markdown] of r.profiles) sections.push({ title: `Grove decode profile (${name}, ${weights})`, markdown });
    }
    figures.push(...(await trainedQuantRows(ctx)));
    figures.push(await importTime(ctx));
    return { suite: 'llamacpp', figures, sections };
  },
};
