// Added tokens (tokenizer.json `added_tokens`): found in the text before the model runs, as HF's AddedVocabulary does.
import { asArray, asBoolean, asObject, asString, asTokenId } from './json-fields';
import { literalPattern } from './regex';
import { WHITE_SPACE } from './normalizers';

export interface AddedToken {
  readonly id: number;
  readonly content: string;
  readonly special: boolean;
  readonly singleWord: boolean;
  readonly lstrip: boolean;
  readonly rstrip: boolean;
  /** Matched in the normalized text (true) or in the raw text before normalization (false). */
  readonly normalized: boolean;
}

export function parseAddedTokens(value: unknown): AddedToken[] {
  if (value === undefined || value === null) return [];
  return asArray(value, 'added_tokens').map((entry, i) => {
    const where = `added_tokens[${i}]`;
    const t = asObject(entry, where);
    const special = asBoolean(t['special'], `${where}.special`, false);
    return {
      id: asTokenId(t['id'], `${where}.id`),
      content: asString(t['content'], `${where}.content`),
      special,
      singleWord: asBoolean(t['single_word'], `${where}.single_word`, false),
      lstrip: asBoolean(t['lstrip'], `${where}.lstrip`, false),
      rstrip: asBoolean(t['rstrip'], `${where}.rstrip`, false),
      normalized: asBoolean(t['normalized'], `${where}.normalized`, !special),
    };
  });
}

const WORD_CHAR = /[\p{Alphabetic}\p{N}]/u;

/** Leftmost-longest matcher over one set of added tokens (HF uses Aho-Corasick, MatchKind::LeftmostLongest). */
class TokenMatcher {
  private readonly re: RegExp | null;
  private readonly byContent = new Map<string, AddedToken>();

  constructor(tokens: readonly AddedToken[]) {
    for (const t of tokens) if (t.content.length > 0) this.byContent.set(t.content, t);
    const contents = [...this.byContent.keys()].sort((a, b) => b.length - a.length);
    // Alternatives longest first: at the leftmost position the first alternative that matches is the longest.
    this.re = contents.length === 0 ? null : new RegExp(contents.map((c) => literalPattern(c).source).join('|'), 'gu');
  }

  /** HF `split_with_indices`: calls onText for the text between tokens (may be empty) and onToken for each token. */
  split(text: string, onText: (text: string, offset: number) => void, onToken: (id: number) => void): void {
    if (this.re === null) {
      onText(text, 0);
      return;
    }
    let offset = 0;
    this.re.lastIndex = 0;
    for (let m = this.re.exec(text); m !== null; m = this.re.exec(text)) {
      const token = this.byContent.get(m[0])!;
      let start = m.index;
      let stop = start + m[0].length;
      if (token.singleWord) {
        const before = start === 0 ? '' : lastChar(text.slice(0, start));
        const after = text.slice(stop, stop + 2);
        if ((before !== '' && WORD_CHAR.test(before)) || (after !== '' && WORD_CHAR.test([...after][0]!))) continue;
      }
      if (token.lstrip) {
        let s = start;
        while (s > offset && WHITE_SPACE.test(text[s - 1]!)) s--;
        start = s;
      }
      if (token.rstrip) {
        while (stop < text.length && WHITE_SPACE.test(text[stop]!)) stop++;
        this.re.lastIndex = stop;
      }
      if (offset < start) onText(text.slice(offset, start), offset);
      onToken(token.id);
      offset = stop;
    }
    if (offset < text.length) onText(offset === 0 ? text : text.slice(offset), offset);
  }
}

function lastChar(text: string): string {
  const chars = [...text.slice(-2)];
  return chars[chars.length - 1] ?? '';
}

/** Splits text on added tokens in two passes: raw-text tokens, then normalized-text tokens inside each normalized piece. */
export class AddedVocabulary {
  private readonly raw: TokenMatcher;
  private readonly normalized: TokenMatcher;
  readonly empty: boolean;

  constructor(readonly tokens: readonly AddedToken[]) {
    this.raw = new TokenMatcher(tokens.filter((t) => !t.normalized));
    this.normalized = new TokenMatcher(tokens.filter((t) => t.normalized));
    this.empty = tokens.length === 0;
  }

  /**
   * Emits the text pieces (normalized, non-empty, with whether they start the original text) and the token ids, in order.
   * `normalize` is applied to each raw piece between raw-text tokens, as HF's `extract_and_normalize` does.
   */
  extract(
    text: string,
    normalize: ((s: string) => string) | null,
    onText: (piece: string, atStart: boolean) => void,
    onToken: (id: number) => void,
  ): void {
    this.raw.split(
      text,
      (piece, offset) => {
        const normalizedPiece = normalize ? normalize(piece) : piece;
        if (normalizedPiece.length === 0) return;
        this.normalized.split(
          normalizedPiece,
          (sub, subOffset) => {
            if (sub.length > 0) onText(sub, offset === 0 && subOffset === 0);
          },
          onToken,
        );
      },
      onToken,
    );
  }
}
