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
  /**
   * log p(v | ids[..i]) for every token v of a `vocab`-token vocabulary, i = 0 .. n - 2: [(n - 1) * vocab],
   * row-major (what the divergence of a quantized model from its f32 one is computed from).
   */
  nextTokenLogProbs(ids: readonly number[], vocab: number): Promise<Float32Array>;
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
  /**
   * Evaluates `ids` from an empty history and hands each position's full next-token distribution to `take`
   * as it comes (so only one of the vocabulary-sized maps is held at a time).
   */
  const nextTokenDistributions = async (ids: readonly number[], take: (position: number, probabilities: Map<number, number>) => void) => {
    await sequence.clearHistory();
    // topK 0 is llama.cpp's "no top-k": the probabilities cover the whole vocabulary.
    const options = { temperature: 1, topK: 0, topP: 1, minP: 0 };
    const input = ids.map((id, i) => (i + 1 < ids.length ? [id, { generateNext: { probabilities: true, options } }] : id)) as never[];
    let taken = 0;
    await sequence.controlledEvaluate(input, {
      onTokenResult(i, result) {
        const probabilities = result.next.probabilities as Map<number, number> | undefined;
        if (!probabilities) throw new GroveError('internal', `llama.cpp gave no distribution at position ${i}.`);
        take(i, probabilities);
        delete result.next.probabilities;
        taken++;
      },
    });
    if (taken !== ids.length - 1)
      throw new GroveError('internal', `llama.cpp gave ${taken} of ${ids.length - 1} next-token distributions.`);
  };
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
      const out = new Float64Array(ids.length - 1);
      await nextTokenDistributions(ids, (i, probabilities) => {
        const p = probabilities.get(ids[i + 1]!);
        if (p === undefined) throw new GroveError('internal', `llama.cpp gave no probability for token ${ids[i + 1]} at position ${i}.`);
        out[i] = Math.log(p);
      });
      return out;
    },
    async nextTokenLogProbs(ids, vocab) {
      const out = new Float32Array((ids.length - 1) * vocab).fill(-Infinity);
      await nextTokenDistributions(ids, (i, probabilities) => {
        for (const [token, p] of probabilities) out[i * vocab + token] = Math.log(p);
      });
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
