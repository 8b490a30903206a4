// A forest to serve in seconds, for the browser tests: `grove init` from a tiny random Llama seed (a 320-token
// test tokenizer), and a folder of Markdown recipes to add as a domain.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelConfigInput } from '../../src/engine/model/config';
import { groveBin } from './grove-process';
import { writeTestModel } from './model';
import { writeTestTokenizer } from './tokenizer';

/** A tiny Llama: 2 layers of width 32 unless `shape` says otherwise. */
const TINY_LLAMA: ModelConfigInput = {
  architecture: 'LlamaForCausalLM',
  vocabSize: 320,
  hiddenSize: 32,
  intermediateSize: 64,
  numHiddenLayers: 2,
  numAttentionHeads: 4,
  tieWordEmbeddings: true,
};

/** Makes `dir`/home a forest whose seed is a tiny random Llama; returns the home. */
export async function initTinyForest(dir: string, shape: Partial<ModelConfigInput> = {}): Promise<string> {
  const home = join(dir, 'home');
  const seed = join(dir, 'seed');
  const tokenizer = await writeTestTokenizer(dir, 320);
  await writeTestModel(seed, { ...TINY_LLAMA, ...shape }, { tokenizer });
  execFileSync(process.execPath, [groveBin, '--home', home, 'init', '--from', seed], { stdio: 'ignore' });
  return home;
}

/** `dir`/recipes: 40 Markdown recipes, each one recipe fifty times (about 120 k tokens in all). */
export function writeRecipeFolder(dir: string): string {
  const folder = join(dir, 'recipes');
  mkdirSync(folder);
  for (let i = 0; i < 40; i++)
    writeFileSync(
      join(folder, `recipe-${i}.md`),
      `# Recipe ${i}\n\nSimmer ${i} onions with thyme for ${i + 5} minutes, then add the beans.\n`.repeat(50),
    );
  return folder;
}
