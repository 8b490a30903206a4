// The tokenizer and generation files an exported Hugging Face-layout folder carries: copied verbatim from
// the source when present (so transformers reads the same tokenizer), generation_config.json written from
// the model config when the source has none.
import { copyFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelConfig } from '../model/config';

/** Copied when the source has them; tokenizer.json always exists (openExportSource checked it). */
const COPIED = [
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'chat_template.jinja',
  'generation_config.json',
] as const;

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

export async function writeTokenizerFiles(tokenizerDir: string, out: string, config: ModelConfig): Promise<string[]> {
  const written: string[] = [];
  for (const name of COPIED) {
    if (!(await isFile(join(tokenizerDir, name)))) continue;
    await copyFile(join(tokenizerDir, name), join(out, name));
    written.push(name);
  }
  if (!written.includes('tokenizer_config.json')) {
    await writeFile(
      join(out, 'tokenizer_config.json'),
      `${JSON.stringify({ tokenizer_class: 'PreTrainedTokenizerFast', clean_up_tokenization_spaces: false }, null, 2)}\n`,
      { flush: true },
    );
    written.push('tokenizer_config.json');
  }
  if (!written.includes('generation_config.json')) {
    const generation = { bos_token_id: config.bosTokenId, eos_token_id: config.eosTokenId, transformers_version: '4.46.0' };
    await writeFile(join(out, 'generation_config.json'), `${JSON.stringify(generation, null, 2)}\n`, { flush: true });
    written.push('generation_config.json');
  }
  return written;
}
