// llama.cpp through node-llama-cpp (a devDependency: its prebuilt CPU binary ships as an npm package, and
// Grove never builds or downloads llama.cpp): greedy decoding from token ids, for the GGUF export's parity
// test and the decode benchmark against Grove, and the log-likelihood of a text (perplexity of a quantized
// GGUF, against Grove's at the same bits).
import { GroveError } from '../shared/api/errors';

type NodeLlamaCpp = typeof import('node-llama-cpp');

async function load(): Promise<NodeLlamaCpp> {
  try {
    return await import('node-llama-cpp');
  } catch (err) {
    throw new GroveError(
      'unsupported',
      `node-llama-cpp is not installed (${(err as Error).message}); it is a devDependency: run \`npm ci\` in a Grove checkout.`,
    );
  }
}

export interface LlamaCppRunner {
  /** Greedy (argmax) continuation of `prompt` by `count` tokens; end-of-generation tokens are kept. */
  greedy(prompt: readonly number[], count: number): Promise<number[]>;
  /**
   * log p(ids[i + 1] | ids[..i]) for i = 0 .. n - 2: llama.cpp's full next-token distribution at every
   * position (temperature 1, no truncation), one entry read from each.
   */
  logLikelihoods(ids: readonly number[]): Promise<Float64Array>;
  /** llama.cpp's own tokenization of `text` (no BOS added, special tokens not parsed). */
  tokenize(text: string): number[];
  close(): Promise<void>;
}

export async function openLlamaCpp(ggufPath: string, o: { threads: number; contextSize?: number }): Promise<LlamaCppRunner> {
  const { getLlama, LlamaLogLevel } = await load();
  // The prebuilt CPU binary only: never a build from source, never a download, never a GPU probe.
  const llama = await getLlama({
    gpu: false,
    build: 'never',
    skipDownload: true,
    usePrebuiltBinaries: true,
    progressLogs: false,
    logLevel: LlamaLogLevel.error,
    maxThreads: o.threads,
  });
  const model = await llama.loadModel({ modelPath: ggufPath, gpuLayers: 0 });
  const context = await model.createContext({
    contextSize: o.contextSize ?? 256,
    threads: o.threads,
    sequences: 1,
    batchSize: o.contextSize ?? 256,
  });
  const sequence = context.getSequence();
  return {
    async greedy(prompt, count) {
      await sequence.clearHistory();
      const out: number[] = [];
      if (count === 0) return out;
      for await (const token of sequence.evaluate([...prompt] as never[], { temperature: 0, yieldEogToken: true })) {
        out.push(token as unknown as number);
        if (out.length >= count) break;
      }
      return out;
    },
    async logLikelihoods(ids) {
      await sequence.clearHistory();
      // topK 0 is llama.cpp's "no top-k": the probabilities cover the whole vocabulary.
      const options = { temperature: 1, topK: 0, topP: 1, minP: 0 };
      const input = ids.map((id, i) => (i + 1 < ids.length ? [id, { generateNext: { probabilities: true, options } }] : id)) as never[];
      const results = await sequence.controlledEvaluate(input);
      const out = new Float64Array(ids.length - 1);
      for (let i = 0; i + 1 < ids.length; i++) {
        const p = results[i]?.next.probabilities?.get(ids[i + 1] as never);
        if (p === undefined) throw new GroveError('internal', `llama.cpp gave no probability for token ${ids[i + 1]} at position ${i}.`);
        out[i] = Math.log(p);
      }
      return out;
    },
    tokenize(text) {
      return model.tokenize(text, false).map((t) => t as unknown as number);
    },
    async close() {
      await context.dispose();
      await model.dispose();
      await llama.dispose();
    },
  };
}
