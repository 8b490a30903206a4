// Refuses tokenizer regexes that backtrack catastrophically, before they run. JavaScript's RegExp (like the
// Oniguruma engine Hugging Face uses) backtracks, and one exec() call cannot be interrupted: a Split pattern
// such as `(a+)+$` takes 2^n steps on n letters and hangs ingest and chat beyond any cancel. Real tokenizer
// patterns (GPT-2, Llama 3, Qwen2, GPT-4o, DeepSeek) never repeat an ambiguous sub-pattern, so the checks
// below refuse the shapes that cause exponential (or worse than quadratic) time and accept every real one.

/** Why a pattern was refused: a phrase that completes "the regex ...". `slow` is false for a malformed one. */
export class UnsafePattern extends Error {
  constructor(
    message: string,
    readonly slow = true,
  ) {
    super(message);
  }
}

const malformed = (message: string): UnsafePattern => new UnsafePattern(message, false);

/** A set of characters, as membership over the probe characters of one pattern (see `probeChars`). */
type CharSet = Uint8Array;

type Node =
  | { kind: 'chars'; set: CharSet }
  | { kind: 'zero' } // anchors and word boundaries: match no character
  | { kind: 'look'; body: Node } // lookarounds: match no character, but their bodies run
  | { kind: 'seq'; items: Node[] }
  | { kind: 'alt'; branches: Node[] }
  | { kind: 'repeat'; body: Node; min: number; max: number; source: string };

/** A repeat is "large" when it can run many times: adjacent ones multiply the work (`{1,3}` or `?` cannot, much). */
const LARGE_REPEAT = 10;
/** Deeper nesting than this is no tokenizer pattern; refusing it keeps the parser's recursion bounded. */
const MAX_DEPTH = 64;
/** Real patterns are under 1,000 characters; the analysis costs up to length^2, so a bound keeps it fast. */
const MAX_PATTERN_CHARS = 5000;
/** Adjacent repeats over shared characters cost n^k time; k = 2 is in real patterns, 3 is refused. */
const MAX_OVERLAPPING_CHAIN = 2;

/**
 * Characters that stand for every class a pattern can use: ASCII, one or two of each Unicode general category,
 * the whitespace Oniguruma and JavaScript disagree on, and every literal or range end written in the pattern.
 * Two character classes that share any character share one of these (ranges overlap at an end of one of them).
 */
const UNIVERSE = [
  ...Array.from({ length: 128 }, (_, i) => String.fromCharCode(i)),
  '\x85',
  '\xa0',
  '\u1680',
  '\u2000',
  '\u2028',
  '\u2029',
  '\u202f',
  '\u205f',
  '\u3000',
  '\ufeff',
  'É',
  'é',
  'ǅ',
  'ʰ',
  '日',
  'ا',
  '한',
  '\u0301',
  '\u0903',
  '\u20dd',
  '١',
  'Ⅻ',
  '½',
  '‿',
  '—',
  '«',
  '»',
  '€',
  '^',
  '©',
  '😀',
  '𝟘',
  '\u200d',
  '\ue000',
];

function probeChars(source: string): string[] {
  const chars = new Set(UNIVERSE);
  for (const c of source) chars.add(c);
  for (const m of source.matchAll(/\\u\{([0-9a-fA-F]+)\}|\\u([0-9a-fA-F]{4})|\\x([0-9a-fA-F]{2})/g)) {
    chars.add(String.fromCodePoint(parseInt(m[1] ?? m[2] ?? m[3]!, 16)));
  }
  return [...chars];
}

class Parser {
  private i = 0;
  private readonly memberCache = new Map<string, CharSet>();

  constructor(
    private readonly src: string,
    private readonly probes: readonly string[],
  ) {}

  parse(): Node {
    const node = this.alternation(0);
    if (this.i < this.src.length) throw malformed(`has an unmatched ")" at position ${this.i}`);
    return node;
  }

  private alternation(depth: number): Node {
    if (depth > MAX_DEPTH) throw malformed(`nests groups more than ${MAX_DEPTH} deep`);
    const branches = [this.sequence(depth)];
    while (this.src[this.i] === '|') {
      this.i++;
      branches.push(this.sequence(depth));
    }
    return branches.length === 1 ? branches[0]! : { kind: 'alt', branches };
  }

  private sequence(depth: number): Node {
    const items: Node[] = [];
    while (this.i < this.src.length && this.src[this.i] !== '|' && this.src[this.i] !== ')') {
      const start = this.i;
      items.push(this.quantified(this.atom(depth), start));
    }
    return items.length === 1 ? items[0]! : { kind: 'seq', items };
  }

  private quantified(atom: Node, start: number): Node {
    const c = this.src[this.i];
    let min: number;
    let max: number;
    if (c === '*') [min, max] = [0, Infinity];
    else if (c === '+') [min, max] = [1, Infinity];
    else if (c === '?') [min, max] = [0, 1];
    else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.i));
      if (!m) return atom; // a literal '{' (JavaScript rejects it with the u flag; compiling says so)
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
      this.i += m[0].length - 1;
    } else return atom;
    this.i++;
    if (this.src[this.i] === '?') this.i++; // lazy: the same paths, tried in another order
    if (atom.kind === 'zero') return atom;
    const node: Node = { kind: 'repeat', body: atom, min, max, source: this.src.slice(start, this.i) };
    return this.quantified(node, start); // `a{2}{3}` style stacking
  }

  private atom(depth: number): Node {
    const c = this.src[this.i]!;
    if (c === '(') {
      this.i++;
      let look = false;
      const rest = this.src.slice(this.i);
      const prefix = /^\?(?::|=|!|<=|<!|<[A-Za-z_$][\w$]*>)/.exec(rest)?.[0] ?? '';
      if (prefix === '?=' || prefix === '?!' || prefix === '?<=' || prefix === '?<!') look = true;
      this.i += prefix.length;
      const body = this.alternation(depth + 1);
      if (this.src[this.i] !== ')') throw malformed('has a "(" that is never closed');
      this.i++;
      return look ? { kind: 'look', body } : body;
    }
    if (c === '[') return this.chars(this.classEnd());
    if (c === '^' || c === '$') {
      this.i++;
      return { kind: 'zero' };
    }
    if (c === '.') {
      this.i++;
      return this.chars('.');
    }
    if (c === '*' || c === '+' || c === '?') throw malformed(`has "${c}" with nothing before it to repeat (position ${this.i})`);
    if (c === '\\') return this.escape();
    const ch = String.fromCodePoint(this.src.codePointAt(this.i)!);
    this.i += ch.length;
    return this.chars(ch.replace(/[\\^$.*+?()[\]{}|/]/, '\\$&'));
  }

  private escape(): Node {
    const rest = this.src.slice(this.i);
    if (/^\\[bB]/.test(rest)) {
      this.i += 2;
      return { kind: 'zero' };
    }
    // A back-reference can repeat any text; treat it as "any character" (no tokenizer uses one).
    const backref = /^\\(?:[1-9]\d*|k<[^>]*>)/.exec(rest);
    if (backref) {
      this.i += backref[0].length;
      return this.chars('[^]');
    }
    const m = /^\\(?:[pP]\{[^}]*\}|u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|c[A-Za-z]|[\s\S])/u.exec(rest);
    if (!m) throw malformed('ends with a lone backslash');
    this.i += m[0].length;
    return this.chars(m[0]);
  }

  /** The source of the character class that starts at `this.i`, moving past it. */
  private classEnd(): string {
    const start = this.i;
    let j = this.i + 1;
    if (this.src[j] === '^') j++;
    for (; j < this.src.length && this.src[j] !== ']'; j++) if (this.src[j] === '\\') j++;
    if (j >= this.src.length) throw malformed('has a "[" that is never closed');
    this.i = j + 1;
    return this.src.slice(start, this.i);
  }

  /** The probe characters one atom matches, by running that atom itself as a JavaScript RegExp. */
  private chars(atomSource: string): Node {
    let set = this.memberCache.get(atomSource);
    if (!set) {
      let re: RegExp;
      try {
        re = new RegExp(`^(?:${atomSource})$`, 'u');
      } catch {
        throw malformed(`has ${JSON.stringify(atomSource)}, which is not a valid character or class`);
      }
      set = Uint8Array.from(this.probes, (p) => (re.test(p) ? 1 : 0));
      this.memberCache.set(atomSource, set);
    }
    return { kind: 'chars', set };
  }
}

function union(a: CharSet, b: CharSet): CharSet {
  return a.map((x, i) => x | b[i]!);
}

function overlaps(a: CharSet, b: CharSet): boolean {
  return a.some((x, i) => x === 1 && b[i] === 1);
}

type Repeat = Extract<Node, { kind: 'repeat' }>;
const isLarge = (n: Node): n is Repeat => n.kind === 'repeat' && n.max > LARGE_REPEAT;

/** What the analysis needs of each node, computed bottom-up. */
interface Facts {
  nullable: boolean;
  first: CharSet; // characters a match can start with
  last: CharSet; // characters a match can end with
  all: CharSet; // every character a match can hold
  /** Repeats that can end a match (everything after them can match empty), as the characters they repeat. */
  endRepeats: CharSet[];
  /** Repeats that can start a match. */
  startRepeats: CharSet[];
}

class Analysis {
  private readonly empty: CharSet;
  /** Each node's facts once: the ambiguity check asks again for nodes already seen. */
  private readonly known = new Map<Node, Facts>();

  constructor(size: number) {
    this.empty = new Uint8Array(size);
  }

  facts(node: Node): Facts {
    let f = this.known.get(node);
    if (!f) {
      f = this.compute(node);
      this.known.set(node, f);
    }
    return f;
  }

  private compute(node: Node): Facts {
    switch (node.kind) {
      case 'chars':
        return { nullable: false, first: node.set, last: node.set, all: node.set, endRepeats: [], startRepeats: [] };
      case 'zero':
        return this.nothing();
      case 'look':
        this.facts(node.body); // its repeats are checked too; from outside it matches no character
        return this.nothing();
      case 'alt': {
        const parts = node.branches.map((b) => this.facts(b));
        return parts.reduce((a, b) => ({
          nullable: a.nullable || b.nullable,
          first: union(a.first, b.first),
          last: union(a.last, b.last),
          all: union(a.all, b.all),
          endRepeats: [...a.endRepeats, ...b.endRepeats],
          startRepeats: [...a.startRepeats, ...b.startRepeats],
        }));
      }
      case 'seq':
        return this.sequence(node.items.map((n) => ({ node: n, facts: this.facts(n) })));
      case 'repeat':
        return this.repeat(node);
    }
  }

  private nothing(): Facts {
    return { nullable: true, first: this.empty, last: this.empty, all: this.empty, endRepeats: [], startRepeats: [] };
  }

  private sequence(items: Array<{ node: Node; facts: Facts }>): Facts {
    this.checkChains(items);
    let first = this.empty;
    let startRepeats: CharSet[] = [];
    for (const { facts } of items) {
      first = union(first, facts.first);
      startRepeats = [...startRepeats, ...facts.startRepeats];
      if (!facts.nullable) break;
    }
    let last = this.empty;
    let endRepeats: CharSet[] = [];
    for (const { facts } of [...items].reverse()) {
      last = union(last, facts.last);
      endRepeats = [...endRepeats, ...facts.endRepeats];
      if (!facts.nullable) break;
    }
    return {
      nullable: items.every((x) => x.facts.nullable),
      first,
      last,
      all: items.reduce((a, x) => union(a, x.facts.all), this.empty),
      endRepeats,
      startRepeats,
    };
  }

  /** `a*a*a*x` style: each repeat can take the characters of the one before, so the ways to split grow as n^k. */
  private checkChains(items: Array<{ node: Node; facts: Facts }>): void {
    let chain: CharSet | null = null;
    let length = 0;
    for (const { node, facts } of items) {
      if (isLarge(node)) {
        if (chain !== null && overlaps(chain, facts.all)) length++;
        else length = 1;
        chain = facts.all;
        if (length > MAX_OVERLAPPING_CHAIN) {
          throw new UnsafePattern(
            `has ${length} repeats in a row that can match the same characters (ending at ${JSON.stringify(node.source)}), so its time grows as the length of the text to the power ${length}`,
          );
        }
      } else if (!facts.nullable) {
        chain = null;
        length = 0;
      }
    }
  }

  private repeat(node: Repeat): Facts {
    const body = this.facts(node.body);
    // Even a bounded repeat multiplies: ((a|a){10}){10} has 2^100 paths.
    if (node.max >= 2) this.checkRepeatedBody(node, body);
    const self = node.max >= 2 ? [body.all] : [];
    return {
      nullable: body.nullable || node.min === 0,
      first: body.first,
      last: body.last,
      all: body.all,
      endRepeats: [...self, ...body.endRepeats],
      startRepeats: [...self, ...body.startRepeats],
    };
  }

  /** A repeated body must match any text in one way only, or the ways to split a run of text grow as 2^n. */
  private checkRepeatedBody(node: Repeat, body: Facts): void {
    const where = JSON.stringify(node.source);
    if (body.nullable) throw new UnsafePattern(`repeats ${where}, whose body can match empty text`);
    const ambiguous = findAmbiguousAlternation(node.body, this);
    if (ambiguous) throw new UnsafePattern(`repeats ${where}, whose alternatives can match the same text`);
    // An inner repeat that ends the body can hand its characters to the next round's start, and vice versa.
    if (body.endRepeats.some((inner) => overlaps(inner, body.first)) || body.startRepeats.some((inner) => overlaps(inner, body.last))) {
      throw new UnsafePattern(`repeats ${where}, which holds a repeat that can match the same characters (a nested quantifier)`);
    }
  }
}

/** An alternation inside `node` two of whose branches can start with the same character, or match empty. */
function findAmbiguousAlternation(node: Node, analysis: Analysis): boolean {
  switch (node.kind) {
    case 'alt': {
      const firsts = node.branches.map((b) => analysis.facts(b));
      for (let a = 0; a < firsts.length; a++) {
        for (let b = a + 1; b < firsts.length; b++) {
          if (overlaps(firsts[a]!.first, firsts[b]!.first) || (firsts[a]!.nullable && firsts[b]!.nullable)) return true;
        }
      }
      return node.branches.some((b) => findAmbiguousAlternation(b, analysis));
    }
    case 'seq':
      return node.items.some((n) => findAmbiguousAlternation(n, analysis));
    case 'repeat':
    case 'look':
      return findAmbiguousAlternation(node.body, analysis);
    default:
      return false;
  }
}

/**
 * Throws UnsafePattern when the JavaScript pattern `source` (u flag) can backtrack catastrophically: a large
 * repeat of a body that can match empty, of alternatives that can start alike, or of a body holding another
 * repeat over the characters at its edge (`(a+)+`, `(a|a)*`, `(a|ab)*c`, `(\w+\s?)*$`); or three or more
 * adjacent repeats over shared characters (`.*.*.*x`). Real tokenizer patterns pass.
 */
export function assertLinearPattern(source: string): void {
  if (source.length > MAX_PATTERN_CHARS)
    throw malformed(
      `is ${source.length} characters long once translated, over the ${MAX_PATTERN_CHARS} Grove reads (real patterns are under 1,000)`,
    );
  const probes = probeChars(source);
  const tree = new Parser(source, probes).parse();
  new Analysis(probes.length).facts(tree);
}
