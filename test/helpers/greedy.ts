// Greedy continuations for the exports' parity tests: Grove's own KV-cached decoder (a full model folder, or a
// light expert as its base folder with its adapter fed), and llama.cpp on a GGUF file (node-llama-cpp's
// prebuilt binary), opened for one use and closed after it.
import { openLlamaCpp, type LlamaCppRunner } from '../../src/bench/llama-cpp';
import { argmax } from '../../src/engine/generate/sampling';
import type { LoadedAdapter } from '../../src/engine/runtime/adapter-feeds';
import { LlamaModel } from '../../src/engine/runtime/llama-model';

/** Grove's greedy continuation of `prompt` by `count` tokens; with `adapter`, the light expert's over the base `folder`. */
export async function groveGreedy(folder: string, prompt: readonly number[], count: number, adapter?: LoadedAdapter): Promise<number[]> {
  const model = await LlamaModel.open(folder, { threads: 2 });
  try {
    const decoder = model.decoder(adapter ? { adapter } : {});
    let logits = await decoder.prefill(prompt);
    const out: number[] = [];
    for (let i = 0; i < count; i++) {
      const next = argmax(logits);
      out.push(next);
      if (i + 1 < count) logits = await decoder.step(next);
    }
    return out;
  } finally {
    await model.close();
  }
}

/** Opens `gguf` in llama.cpp (2 threads), runs `use`, and closes it. */
export async function withLlamaCpp<T>(gguf: string, use: (runner: LlamaCppRunner) => Promise<T>): Promise<T> {
  const runner = await openLlamaCpp(gguf, { threads: 2 });
  try {
    return await use(runner);
  } finally {
    await runner.close();
  }
}
