// A folder of folders for the BTM benchmark's tests: a few domains of clearly different kinds of text (source
// code, recipes, ledgers, verse, statutes), each a folder of seeded, varied documents (no two near-duplicates,
// so ingestion keeps them all), written by the test itself.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../src/engine/model/rng';

const KINDS: Record<string, (pick: (words: readonly string[]) => string, n: () => number) => string> = {
  code: (pick, n) =>
    `function ${pick(['load', 'parse', 'merge', 'split', 'score', 'train'])}${pick(['Shard', 'Row', 'Tree', 'Node', 'Batch'])}(${pick(['items', 'rows', 'xs'])}) {\n  let ${pick(['total', 'acc', 'sum'])} = ${n()};\n  for (const x of ${pick(['items', 'rows', 'xs'])}) if (x > ${n()}) return x * ${n()};\n}\n`,
  recipes: (pick, n) =>
    `${pick(['Whisk', 'Fold', 'Simmer', 'Knead', 'Roast', 'Chop'])} ${n()} ${pick(['cups', 'grams', 'spoons', 'pinches'])} of ${pick(['flour', 'butter', 'onion', 'garlic', 'sugar', 'basil', 'cream'])} ${pick(['gently', 'slowly', 'until golden', 'for ten minutes', 'over low heat'])}.\n`,
  ledger: (pick, n) =>
    `2024-${String((n() % 12) + 1).padStart(2, '0')}-${String((n() % 28) + 1).padStart(2, '0')},${pick(['rent', 'coffee', 'fuel', 'salary', 'books', 'tax'])},${pick(['debit', 'credit'])},${n()}.${String(n() % 100).padStart(2, '0')}\n`,
  verse: (pick) =>
    `O ${pick(['moon', 'sea', 'wind', 'rose', 'night', 'heart'])}, thou ${pick(['weepest', 'singest', 'wanderest', 'burnest'])} ${pick(['alone', 'in silver', 'o\u2019er the hills', 'forevermore'])},\n`,
  statutes: (pick, n) =>
    `Section ${n()}. The ${pick(['licensee', 'tenant', 'registrar', 'court', 'applicant'])} shall ${pick(['not assign', 'give notice of', 'keep a record of', 'pay the fee for'])} the ${pick(['premises', 'licence', 'register', 'appeal'])} within ${n()} days.\n`,
};

export const DOMAIN_KINDS = Object.keys(KINDS);

/** Writes `<root>/<kind>/doc-<i>.txt` for each kind: `documents` files of about `lines` lines each. */
export function writeDomainFolders(
  root: string,
  o: { kinds?: readonly string[]; documents: number; lines: number; seed?: number },
): string {
  for (const kind of o.kinds ?? DOMAIN_KINDS) {
    const rng = new Rng(o.seed ?? 7, kind);
    const pick = (words: readonly string[]) => words[rng.nextUint32() % words.length]!;
    const n = () => rng.nextUint32() % 1000;
    mkdirSync(join(root, kind), { recursive: true });
    for (let d = 0; d < o.documents; d++) {
      const text = Array.from({ length: o.lines }, () => KINDS[kind]!(pick, n)).join('');
      writeFileSync(join(root, kind, `doc-${String(d).padStart(3, '0')}.txt`), text);
    }
  }
  return root;
}
