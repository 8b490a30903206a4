// Hugging Face's Rust `tokenizers` (npm, a dev dependency): the independent reference for parity tests and benchmarks.
import { createRequire } from 'node:module';
import { GroveError } from '../shared/api/errors';

/** The part of the npm `tokenizers` API that Grove uses (its encode/decode are async). */
export interface ReferenceTokenizer {
  encode(text: string, pair: null, options: { addSpecialTokens: boolean }): Promise<{ getIds(): number[] }>;
  encodeBatch(texts: string[], options: { addSpecialTokens: boolean }): Promise<Array<{ getIds(): number[] }>>;
  decode(ids: number[], skipSpecialTokens: boolean): Promise<string>;
}

interface ReferenceModule {
  Tokenizer: { fromString(json: string): ReferenceTokenizer };
}

/** Loads a tokenizer.json string into the reference library; the require stays out of bundles (native addon). */
export function referenceTokenizer(json: string): ReferenceTokenizer {
  let mod: ReferenceModule;
  try {
    mod = createRequire(import.meta.url)('tokenizers') as ReferenceModule;
  } catch (err) {
    throw new GroveError(
      'not_found',
      `The reference tokenizer library (npm "tokenizers", a dev dependency) cannot be loaded (${(err as Error).message}); run \`npm install\` with dev dependencies.`,
      {
        package: 'tokenizers',
      },
    );
  }
  return mod.Tokenizer.fromString(json);
}
