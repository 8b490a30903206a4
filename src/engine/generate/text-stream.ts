// Generated token ids -> text deltas for streaming. The whole continuation is decoded each time (a token
// can end in the middle of a UTF-8 character, shown as U+FFFD until the rest arrives), after a few tokens
// of the prompt: SentencePiece decoders drop the leading space of the first token they see, which would
// glue a continuation to the text it continues.
import type { Tokenizer } from '../tokenize/tokenizer';

const ANCHOR_TOKENS = 4;

export class TextStream {
  private readonly ids: number[] = [];
  private readonly anchor: number[];
  private readonly anchorText: string;
  private shown = '';

  constructor(
    private readonly tokenizer: Tokenizer,
    prompt: readonly number[] = [],
  ) {
    this.anchor = prompt.slice(-ANCHOR_TOKENS);
    this.anchorText = this.decodeRaw(this.anchor);
  }

  /** The text the ids so far decode to (special tokens left out). */
  get text(): string {
    return this.shown;
  }

  /** Adds one generated token; returns the new text to show ('' while a character is incomplete). */
  push(id: number): string {
    this.ids.push(id);
    const text = this.decode();
    if (text.endsWith('\uFFFD') || !text.startsWith(this.shown)) return '';
    const delta = text.slice(this.shown.length);
    this.shown = text;
    return delta;
  }

  /** Whatever is still held back at the end (an incomplete character is shown as U+FFFD). */
  flush(): string {
    const text = this.decode();
    const delta = text.startsWith(this.shown) ? text.slice(this.shown.length) : '';
    this.shown = text.startsWith(this.shown) ? text : this.shown;
    return delta;
  }

  private decodeRaw(ids: readonly number[]): string {
    return this.tokenizer.decode(ids, { skipSpecialTokens: true });
  }

  private decode(): string {
    if (this.anchor.length > 0) {
      const withAnchor = this.decodeRaw([...this.anchor, ...this.ids]);
      // An anchor that ends inside a character decodes differently on its own: fall back to the ids alone.
      if (withAnchor.startsWith(this.anchorText) && !this.anchorText.endsWith('\uFFFD')) return withAnchor.slice(this.anchorText.length);
    }
    return this.decodeRaw(this.ids);
  }
}
