// Symbolic dimensions: a Dim is a number or a polynomial over named sizes with integer coefficients,
// written canonically ("B*T", "P+S", "T-1"), so shapes like [B*T, C] or [B, H, P+S, D] infer exactly.
// Names are identifiers; two dims are equal when their canonical strings are.
import { GroveError } from '../../shared/api/errors';

/** A dimension: a fixed size, or a polynomial over named sizes ("B", "B*T", "P+S"). */
export type Dim = number | string;
export type Shape = readonly Dim[];

/** monomial key (sorted names joined by '*', '' for the constant) -> coefficient */
type Poly = Map<string, number>;

const NAME = /^[A-Za-z_][A-Za-z0-9_.]*$/;

function parse(d: Dim): Poly {
  const p: Poly = new Map();
  if (typeof d === 'number') {
    if (!Number.isInteger(d)) throw new GroveError('bad_input', `Dimension ${d} is not an integer.`);
    if (d !== 0) p.set('', d);
    return p;
  }
  const src = d.replace(/\s+/g, '');
  const terms = src.match(/[+-]?[^+-]+/g);
  if (!terms || terms.join('') !== src)
    throw new GroveError('bad_input', `Dimension "${d}" is not a sum of products of names and integers (like "B*T" or "P+S").`);
  for (const term of terms) {
    let coef = term.startsWith('-') ? -1 : 1;
    const names: string[] = [];
    for (const f of term.replace(/^[+-]/, '').split('*')) {
      if (/^\d+$/.test(f)) coef *= Number(f);
      else if (NAME.test(f)) names.push(f);
      else throw new GroveError('bad_input', `Dimension "${d}": "${f}" is neither a name nor an integer.`);
    }
    addTerm(p, names.sort().join('*'), coef);
  }
  return p;
}

function addTerm(p: Poly, key: string, coef: number): void {
  const c = (p.get(key) ?? 0) + coef;
  if (c === 0) p.delete(key);
  else p.set(key, c);
}

function format(p: Poly): Dim {
  const keys = [...p.keys()].sort((a, b) => (a === '' ? 1 : b === '' ? -1 : a < b ? -1 : a > b ? 1 : 0));
  if (keys.length === 0) return 0;
  if (keys.length === 1 && keys[0] === '') return p.get('') as number;
  let s = '';
  for (const k of keys) {
    const c = p.get(k) as number;
    const mag = Math.abs(c);
    const body = k === '' ? String(mag) : mag === 1 ? k : `${mag}*${k}`;
    s += c < 0 ? `-${body}` : s ? `+${body}` : body;
  }
  return s;
}

/** The canonical form of a dim ("T*B" -> "B*T", "2" -> 2). */
export function dim(d: Dim): Dim {
  return format(parse(d));
}

export function dimAdd(a: Dim, b: Dim): Dim {
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  const p = parse(a);
  for (const [k, c] of parse(b)) addTerm(p, k, c);
  return format(p);
}

export function dimSub(a: Dim, b: Dim): Dim {
  return dimAdd(a, typeof b === 'number' ? -b : dimMul(b, -1));
}

export function dimMul(a: Dim, b: Dim): Dim {
  if (typeof a === 'number' && typeof b === 'number') return a * b;
  const p: Poly = new Map();
  for (const [ka, ca] of parse(a)) {
    for (const [kb, cb] of parse(b)) addTerm(p, [...ka.split('*'), ...kb.split('*')].filter(Boolean).sort().join('*'), ca * cb);
  }
  return format(p);
}

/** a / b when it divides exactly (b a number or a single term), else undefined. */
export function dimDiv(a: Dim, b: Dim): Dim | undefined {
  if (typeof a === 'number' && typeof b === 'number') return b !== 0 && a % b === 0 ? a / b : undefined;
  const pb = parse(b);
  if (pb.size !== 1) return dimEq(a, b) ? 1 : undefined;
  const [[kb, cb]] = [...pb] as [[string, number]];
  const divisor = kb ? kb.split('*') : [];
  const out: Poly = new Map();
  for (const [k, c] of parse(a)) {
    if (c % cb !== 0) return undefined;
    const names = k ? k.split('*') : [];
    for (const n of divisor) {
      const i = names.indexOf(n);
      if (i < 0) return undefined;
      names.splice(i, 1);
    }
    addTerm(out, names.join('*'), c / cb);
  }
  return format(out);
}

export function dimEq(a: Dim, b: Dim): boolean {
  return typeof a === 'number' && typeof b === 'number' ? a === b : dim(a) === dim(b);
}

/** Product of dims (element count). */
export function numel(shape: Shape): Dim {
  return shape.reduce<Dim>((acc, d) => dimMul(acc, d), 1);
}

/** The names a dim is built from ("B*T+P" -> B, P, T). */
export function dimNames(d: Dim): string[] {
  if (typeof d === 'number') return [];
  return [...new Set([...parse(d).keys()].flatMap((k) => (k ? k.split('*') : [])))].sort();
}

/** Terms of a dim as [names, coefficient] pairs, for evaluating it at run time. */
export function dimTerms(d: Dim): [string[], number][] {
  return [...parse(d)].map(([k, c]) => [k ? k.split('*') : [], c]);
}

export function showShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

/** NumPy broadcasting; dims must be equal or 1 (a name never broadcasts against a different name). */
export function broadcastShapes(shapes: readonly Shape[]): Dim[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    let d: Dim = 1;
    for (const s of shapes) {
      const k = s.length - rank + i;
      if (k < 0) continue;
      const e = s[k] as Dim;
      if (e === 1 || dimEq(e, d)) continue;
      if (d === 1) d = e;
      else {
        throw new GroveError(
          'bad_input',
          `shapes ${shapes.map(showShape).join(' and ')} do not broadcast (axis ${i - rank}: ${d} vs ${e}).`,
        );
      }
    }
    out.push(d);
  }
  return out;
}

/** An axis in [-rank, rank) as a non-negative index. */
export function normAxis(axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank)
    throw new GroveError('bad_input', `axis ${axis} is out of range for rank ${rank}.`);
  return axis < 0 ? axis + rank : axis;
}
