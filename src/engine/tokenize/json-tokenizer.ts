// A Tokenizer built from a Hugging Face tokenizer.json object: added tokens, normalizer, pre-tokenizer, BPE, decoder.
import { GroveError } from '../../shared/api/errors';
import { AddedVocabulary, parseAddedTokens } from './added-tokens';
import { BpeModel } from './bpe-model';
import { buildDecoder } from './decoders';
import type { DecodeChain } from './decoders';
import { IdBuffer } from './id-buffer';
import {
  asArray,
  asBoolean,
  asObject,
  asString,
  asTokenId,
  assertNestingDepth,
  badField,
  isObject,
  typeOf,
  unsupportedType,
} from './json-fields';
import { buildNormalizer } from './normalizers';
import type { Normalize } from './normalizers';
import { buildTemplate } from './post-processor';
import type { Template } from './post-processor';
import { buildPreTokenizer } from './pre-tokenizers';
import type { PreTokenizer } from './pre-tokenizers';
import { resolveSpecialTokens } from './special-tokens';
import type { DecodeOptions, EncodeOptions, SpecialTokens, Tokenizer } from './tokenizer';

const MAX_JSON_DEPTH = 32;

function parseVocab(value: unknown): Map<string, number> {
  const obj = asObject(value, 'model.vocab');
  const vocab = new Map<string, number>();
  for (const [token, id] of Object.entries(obj)) vocab.set(token, asTokenId(id, `model.vocab[${JSON.stringify(token)}]`));
  return vocab;
}

/** Merges come as ["a", "b"] pairs (tokenizers >= 0.20) or as "a b" strings (older files). */
function parseMerges(value: unknown): Array<[string, string]> {
  return asArray(value, 'model.merges').map((m, i) => {
    if (Array.isArray(m) && m.length === 2 && typeof m[0] === 'string' && typeof m[1] === 'string') return [m[0], m[1]];
    if (typeof m === 'string') {
      const space = m.indexOf(' ', 1);
      if (space > 0) return [m.slice(0, space), m.slice(space + 1)];
    }
    throw badField(`model.merges[${i}]`, 'a pair ["a", "b"] or a string "a b"', m);
  });
}

function buildModel(spec: unknown, byteLevelInput: boolean): BpeModel {
  const model = asObject(spec, 'model');
  // Files written by old versions omit "type" for BPE; they are recognised by their merges.
  const type = model['type'] === undefined && model['merges'] !== undefined ? 'BPE' : typeOf(model, 'model');
  if (type !== 'BPE') throw unsupportedType('model', 'model', type, ['BPE']);
  for (const field of ['continuing_subword_prefix', 'end_of_word_suffix'] as const) {
    if (model[field] !== null && model[field] !== undefined && model[field] !== '') {
      throw new GroveError(
        'unsupported',
        `tokenizer.json model.${field} is ${JSON.stringify(model[field])}; Grove supports BPE without subword prefixes or suffixes (GPT-2/Llama style).`,
        {
          field: `model.${field}`,
        },
      );
    }
  }
  if (typeof model['dropout'] === 'number' && model['dropout'] > 0) {
    throw new GroveError(
      'unsupported',
      `tokenizer.json model.dropout is ${model['dropout']}; BPE dropout is random and Grove encodes deterministically. Set it to null.`,
      {
        field: 'model.dropout',
      },
    );
  }
  const unk = model['unk_token'];
  return new BpeModel(parseVocab(model['vocab']), parseMerges(model['merges']), {
    unkToken: unk === null || unk === undefined ? null : asString(unk, 'model.unk_token'),
    fuseUnk: asBoolean(model['fuse_unk'], 'model.fuse_unk', false),
    byteFallback: asBoolean(model['byte_fallback'], 'model.byte_fallback', false),
    ignoreMerges: asBoolean(model['ignore_merges'], 'model.ignore_merges', false),
    byteLevelInput,
  });
}

export class JsonTokenizer implements Tokenizer {
  readonly vocabSize: number;
  readonly special: SpecialTokens;
  private readonly normalize: Normalize | null;
  private readonly preTokenizer: PreTokenizer;
  private readonly model: BpeModel;
  private readonly added: AddedVocabulary;
  private readonly decoder: DecodeChain | null;
  private readonly template: Template;
  private readonly idToTokenTable: Array<string | undefined> = [];
  private readonly specialIds = new Set<number>();
  private readonly addedByContent = new Map<string, number>();
  private readonly out = new IdBuffer(4096);
  private readonly emitWord = (word: string): void => this.model.encodeWord(word, this.out);
  private readonly emitText = (text: string, atStart: boolean): void => this.preTokenizer.run(text, atStart, this.emitWord);
  private readonly emitToken = (id: number): void => this.out.push(id);

  /** `json` is a parsed tokenizer.json; `config` a parsed tokenizer_config.json, when the model has one. */
  constructor(json: unknown, config: unknown = null) {
    // Real files nest about 6 deep; the builders recurse (Sequence in Sequence), so a bound keeps the stack safe.
    assertNestingDepth(json, MAX_JSON_DEPTH, 'tokenizer.json');
    const root = asObject(json, '(root)');
    // truncation and padding are ignored on purpose: Grove packs and pads sequences itself.
    this.normalize = buildNormalizer(root['normalizer']);
    this.preTokenizer = buildPreTokenizer(root['pre_tokenizer']);
    this.model = buildModel(root['model'], this.preTokenizer.byteLevel);
    this.decoder = buildDecoder(root['decoder']);
    this.template = buildTemplate(root['post_processor']);
    const addedTokens = parseAddedTokens(root['added_tokens']);
    this.added = new AddedVocabulary(addedTokens);
    for (const [token, id] of this.model.vocab) this.idToTokenTable[id] = token;
    for (const t of addedTokens) {
      this.idToTokenTable[t.id] = t.content;
      this.addedByContent.set(t.content, t.id);
      if (t.special) this.specialIds.add(t.id);
    }
    this.vocabSize = this.idToTokenTable.length;
    for (const id of [...this.template.prefix, ...this.template.suffix]) {
      if (this.idToTokenTable[id] === undefined) {
        throw new GroveError(
          'bad_input',
          `tokenizer.json post_processor adds token id ${id}, which is in neither model.vocab nor added_tokens; the file is inconsistent.`,
          { field: 'post_processor', id },
        );
      }
    }
    const modelUnk = asObject(root['model'], 'model')['unk_token'];
    this.special = resolveSpecialTokens(
      (t) => this.tokenToId(t),
      isObject(config) ? config : null,
      typeof modelUnk === 'string' ? modelUnk : null,
    );
  }

  encode(text: string, options: EncodeOptions = {}): Uint32Array {
    const out = this.out;
    out.clear();
    if (options.addSpecialTokens) out.pushAll(this.template.prefix);
    if (this.added.empty) {
      const normalized = this.normalize ? this.normalize(text) : text;
      if (normalized.length > 0) this.emitText(normalized, true);
    } else this.added.extract(text, this.normalize, this.emitText, this.emitToken);
    if (options.addSpecialTokens) out.pushAll(this.template.suffix);
    return out.toArray();
  }

  decode(ids: ArrayLike<number>, options: DecodeOptions = {}): string {
    const tokens: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      const token = this.idToTokenTable[id];
      if (token === undefined) {
        throw new GroveError(
          'bad_input',
          `Token id ${id} is not in this tokenizer's vocabulary (size ${this.vocabSize}); the ids come from another tokenizer or model.`,
          { id },
        );
      }
      if (options.skipSpecialTokens && this.specialIds.has(id)) continue;
      tokens.push(token);
    }
    return this.decoder ? this.decoder(tokens).join('') : tokens.join(' ');
  }

  tokenToId(token: string): number | undefined {
    return this.addedByContent.get(token) ?? this.model.vocab.get(token);
  }

  idToToken(id: number): string | undefined {
    return this.idToTokenTable[id];
  }
}
