// The BTM benchmark's merge-method rows, checked against an independent recomputation: the task-arithmetic
// collapse with the seed as base (theta = seed + sum_j w_j (theta_j - seed), the weights the genre's cached
// prior) computed here in float64 from the safetensors, written as a model and scored directly, gives the
// row's loss; SLERP, of two experts, walks t = the second expert's posterior weight (its row then equals a
// SLERP of the two at that t); every method of the registry has a row or a reason.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { btmConfig } from '../../../src/bench/btm/config';
import type { BtmDomain } from '../../../src/bench/btm/corpus';
import type { EvalContext } from '../../../src/bench/btm/evaluate';
import { mergeRowPlan } from '../../../src/bench/btm/merge-plan';
import { scoreMerges } from '../../../src/bench/btm/merge-rows';
import { BtmProgress } from '../../../src/bench/btm/progress';
import { ingestFolder } from '../../../src/engine/corpus/ingest';
import { readManifest } from '../../../src/engine/corpus/manifest';
import { corpusTokenizer } from '../../../src/engine/corpus/types';
import { evaluateSplit } from '../../../src/engine/eval/perplexity';
import type { ModelConfig } from '../../../src/engine/model/config';
import { openWeights, writeModelFolder } from '../../../src/engine/model/folder';
import { parameterSpecs } from '../../../src/engine/model/names';
import { LlamaModel } from '../../../src/engine/runtime/llama-model';
import { loadTokenizer } from '../../../src/engine/tokenize/load';
import { writeTestModel } from '../../helpers/model';
import { writeTestTokenizer } from '../../helpers/tokenizer';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir('grove-btm-merge-rows-');
const shape = {
  architecture: 'LlamaForCausalLM',
  vocabSize: 300,
  hiddenSize: 32,
  intermediateSize: 64,
  numHiddenLayers: 1,
  numAttentionHeads: 2,
  maxPositionEmbeddings: 64,
  initializerRange: 0.2,
  tieWordEmbeddings: true,
} as const;
const prior = [0.3, 0.7];
let config: ModelConfig;
let ctx: EvalContext;
let genre: BtmDomain;
let tokenizerPath: string;

beforeAll(async () => {
  tokenizerPath = await writeTestTokenizer(dir, 300);
  const docs = join(dir, 'docs');
  mkdirSync(docs);
  for (let i = 0; i < 30; i++)
    writeFileSync(join(docs, `d${i}.txt`), `Document ${i}: the forest grows ${i} experts and ${i * 3} branches.\n`.repeat(10));
  const domainDir = join(dir, 'domain');
  await ingestFolder({
    folder: docs,
    out: domainDir,
    tokenizer: corpusTokenizer(await loadTokenizer(tokenizerPath)),
    settings: { minTrainTokens: 0 },
  });
  const manifest = await readManifest(domainDir);
  genre = { name: 'docs', role: 'train', dir: domainDir, splits: manifest.splits };
  config = await writeTestModel(join(dir, 'seed'), shape, { seed: 1, tokenizer: tokenizerPath });
  // Experts near the seed, as trained ones are: the seed plus small, different changes.
  for (const [j, s] of [2, 3].entries()) await writeTestModel(join(dir, `raw-${j}`), shape, { seed: s, tokenizer: tokenizerPath });
  const seed = await openWeights(join(dir, 'seed'));
  for (const j of [0, 1]) {
    const raw = await openWeights(join(dir, `raw-${j}`));
    const tensors = [];
    for (const spec of parameterSpecs(config)) {
      const a = await seed.readFloat32(spec.name);
      const b = await raw.readFloat32(spec.name);
      tensors.push({ name: spec.name, shape: spec.shape, data: a.map((v, i) => v + 0.3 * b[i]!) });
    }
    await raw.close();
    mkdirSync(join(dir, `expert-${j}`));
    await writeModelFolder(join(dir, `expert-${j}`), { config, tensors });
  }
  await seed.close();
  const bench = btmConfig('quick', { contextLength: 32, evalBatch: 4, evalMaxTokens: 512 });
  ctx = {
    config: bench,
    genres: [genre],
    progress: new BtmProgress(
      0,
      () => undefined,
      () => 0,
    ),
    tokenizerDir: join(dir, 'tokenizer'),
  };
});

/** The model of these tensors, scored on the genre's test split as the bench scores (its context, batch and token cap). */
async function scoreTensors(name: string, tensors: { name: string; shape: readonly number[]; data: Float32Array }[]): Promise<number> {
  const folder = join(dir, name);
  mkdirSync(folder);
  await writeModelFolder(folder, { config, tensors });
  const model = await LlamaModel.open(folder, { threads: 1 });
  try {
    return (await evaluateSplit(model, genre.dir, 'test', { contextLength: 32, batchSize: 4, maxTokens: 512 })).loss;
  } finally {
    await model.close();
  }
}

async function readAll(folder: string): Promise<Map<string, Float32Array>> {
  const reader = await openWeights(folder);
  const out = new Map<string, Float32Array>();
  for (const spec of parameterSpecs(config)) out.set(spec.name, await reader.readFloat32(spec.name));
  await reader.close();
  return out;
}

describe('BTM merge-method rows', () => {
  it('scores the task-arithmetic collapse (seed as base, posterior weights) as a direct recomputation does, and SLERP at t = the second weight', async () => {
    const experts = [0, 1].map((j) => ({ domain: `e${j}`, modelDir: join(dir, `expert-${j}`) }));
    const result = await scoreMerges(
      experts,
      join(dir, 'seed'),
      { context: { docs: prior }, lastToken: { docs: prior } },
      'test',
      join(dir, 'work'),
      ctx,
    );
    expect(result.plan.map((p) => [p.method, p.row])).toEqual([
      ['linear', 'average-posterior'],
      ['task_arithmetic', 'merge-task_arithmetic'],
      ['ties', 'merge-ties'],
      ['dare_linear', 'merge-dare_linear'],
      ['dare_ties', 'merge-dare_ties'],
      ['slerp', 'merge-slerp'],
    ]);
    const seed = await readAll(join(dir, 'seed'));
    const e = await Promise.all(experts.map((x) => readAll(x.modelDir)));
    const specs = parameterSpecs(config);

    const taskArithmetic = specs.map((spec) => {
      const s = seed.get(spec.name)!;
      const out = new Float32Array(s.length);
      for (let i = 0; i < s.length; i++)
        out[i] = s[i]! + prior[0]! * (e[0]!.get(spec.name)![i]! - s[i]!) + prior[1]! * (e[1]!.get(spec.name)![i]! - s[i]!);
      return { name: spec.name, shape: spec.shape, data: out };
    });
    const direct = await scoreTensors('direct-task-arithmetic', taskArithmetic);
    expect(result.scores['merge-task_arithmetic']!.docs!.loss).toBeCloseTo(direct, 5);

    // SLERP per tensor: the angle between the two experts' tensors, walked t = 0.7 of the way (mergekit's
    // rule: nearly parallel tensors, as the norms' equal weights here, are interpolated linearly).
    const slerp = specs.map((spec) => {
      const a = e[0]!.get(spec.name)!;
      const b = e[1]!.get(spec.name)!;
      let dot = 0;
      let na = 0;
      let nb = 0;
      for (let i = 0; i < a.length; i++) [dot, na, nb] = [dot + a[i]! * b[i]!, na + a[i]! ** 2, nb + b[i]! ** 2];
      const cos = dot / Math.sqrt(na * nb);
      const theta = Math.acos(cos);
      const t = prior[1]!;
      const [s0, s1] =
        Math.abs(cos) > 0.9995 ? [1 - t, t] : [Math.sin((1 - t) * theta) / Math.sin(theta), Math.sin(t * theta) / Math.sin(theta)];
      return { name: spec.name, shape: spec.shape, data: a.map((v, i) => s0 * v + s1 * b[i]!) };
    });
    expect(result.scores['merge-slerp']!.docs!.loss).toBeCloseTo(await scoreTensors('direct-slerp', slerp), 5);

    // The methods merge differently: no two rows score alike.
    const losses = Object.values(result.scores).map((s) => s.docs!.loss);
    expect(new Set(losses.map((l) => l.toFixed(6))).size).toBe(losses.length);
  }, 120_000);

  it('leaves SLERP out of a forest of three experts, saying why', () => {
    const slerp = mergeRowPlan(3, 1).find((p) => p.method === 'slerp')!;
    expect(slerp).toEqual({
      method: 'slerp',
      row: null,
      settings: {},
      leftOut: 'slerp merges exactly 2 models and this forest has 3 experts',
    });
    expect(mergeRowPlan(3, 1).find((p) => p.method === 'dare_ties')).toEqual({
      method: 'dare_ties',
      row: 'merge-dare_ties',
      settings: { density: 0.5, seed: 1 },
      leftOut: null,
    });
  });
});
