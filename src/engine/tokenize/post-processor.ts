// tokenizer.json post_processor for single texts: the special-token ids placed before and after a text's ids.
import { asArray, asObject, asString, asTokenId, isObject, typeOf, unsupportedType } from './json-fields';

export interface Template {
  readonly prefix: readonly number[];
  readonly suffix: readonly number[];
}

const SUPPORTED = ['TemplateProcessing', 'ByteLevel', 'RobertaProcessing', 'BertProcessing', 'Sequence'] as const;
const NONE: Template = { prefix: [], suffix: [] };

function templateProcessing(spec: Record<string, unknown>, where: string): Template {
  const specials = asObject(spec['special_tokens'] ?? {}, `${where}.special_tokens`);
  const prefix: number[] = [];
  const suffix: number[] = [];
  let seenSequence = false;
  asArray(spec['single'], `${where}.single`).forEach((piece, i) => {
    const at = `${where}.single[${i}]`;
    const p = asObject(piece, at);
    if (isObject(p['Sequence'])) {
      seenSequence = true;
      return;
    }
    const name = asString(asObject(p['SpecialToken'], `${at}.SpecialToken`)['id'], `${at}.SpecialToken.id`);
    const entry = asObject(specials[name], `${where}.special_tokens["${name}"]`);
    const ids = asArray(entry['ids'], `${where}.special_tokens["${name}"].ids`).map((id, k) =>
      asTokenId(id, `${where}.special_tokens["${name}"].ids[${k}]`),
    );
    (seenSequence ? suffix : prefix).push(...ids);
  });
  return { prefix, suffix };
}

function pairToken(value: unknown, where: string): number {
  const pair = asArray(value, where);
  return asTokenId(pair[1], `${where}[1]`);
}

/** The template for encode(text, { addSpecialTokens: true }). */
export function buildTemplate(spec: unknown, where = 'post_processor'): Template {
  if (spec === null || spec === undefined) return NONE;
  const obj = asObject(spec, where);
  const type = typeOf(obj, where);
  switch (type) {
    case 'ByteLevel':
      return NONE; // only trims offsets; ids are unchanged
    case 'TemplateProcessing':
      return templateProcessing(obj, where);
    case 'RobertaProcessing':
    case 'BertProcessing':
      return { prefix: [pairToken(obj['cls'], `${where}.cls`)], suffix: [pairToken(obj['sep'], `${where}.sep`)] };
    case 'Sequence': {
      const parts = asArray(obj['processors'], `${where}.processors`).map((p, i) => buildTemplate(p, `${where}.processors[${i}]`));
      return parts.reduce<Template>((acc, t) => ({ prefix: [...t.prefix, ...acc.prefix], suffix: [...acc.suffix, ...t.suffix] }), NONE);
    }
    default:
      throw unsupportedType('post-processor', where, type, SUPPORTED);
  }
}
