// Special tokens by role (bos/eos/pad/unk): from tokenizer_config.json when present, else by well-known names.
import type { SpecialToken, SpecialTokens } from './tokenizer';
import { isObject } from './json-fields';

type Role = keyof SpecialTokens;

/** Names used by the supported families when no tokenizer_config.json says otherwise, most specific first. */
const CONVENTIONS: Record<Role, readonly string[]> = {
  bos: ['<|begin_of_text|>', '<s>', '<|endoftext|>'],
  eos: ['<|end_of_text|>', '</s>', '<|endoftext|>'],
  pad: ['<|pad|>', '<pad>', '<|finetune_right_pad_id|>'],
  unk: ['<unk>', '<|unk|>'],
};

/** A tokenizer_config.json token entry: a plain string or an AddedToken object ({"content": ...}). */
function configToken(value: unknown): string | null | undefined {
  if (value === null) return null;
  if (typeof value === 'string') return value;
  if (isObject(value) && typeof value['content'] === 'string') return value['content'];
  return undefined;
}

/**
 * Resolves each role: an explicit config entry wins (null there means "none"); otherwise the model's unk_token,
 * then the first conventional name present in the vocabulary. A named token missing from the vocabulary is left out.
 */
export function resolveSpecialTokens(
  lookup: (token: string) => number | undefined,
  config: Record<string, unknown> | null,
  modelUnk: string | null,
): SpecialTokens {
  const out: Partial<Record<Role, SpecialToken>> = {};
  for (const role of ['bos', 'eos', 'pad', 'unk'] as const) {
    const fromConfig = config ? configToken(config[`${role}_token`]) : undefined;
    if (fromConfig === null) continue;
    const candidates =
      fromConfig !== undefined ? [fromConfig] : role === 'unk' && modelUnk !== null ? [modelUnk, ...CONVENTIONS.unk] : CONVENTIONS[role];
    for (const token of candidates) {
      const id = lookup(token);
      if (id !== undefined) {
        out[role] = { token, id };
        break;
      }
    }
  }
  return out;
}
