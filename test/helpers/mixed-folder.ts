// One unlabelled folder mixing three clearly different kinds of text (recipes, star notes, court records; 8
// documents each, file names prefixed by kind, each opening with a title line): what the domain discovery
// tests (CLI, service, Chromium journey) cluster and check the clusters against.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../src/engine/model/rng';

export const MIXED_KINDS: Record<string, { title: string; words: string[] }> = {
  recipe: {
    title: 'Kitchen card',
    words: 'flour butter oven bake sugar dough whisk simmer garlic onion pan salt pepper knead stir'.split(' '),
  },
  stars: {
    title: 'Observing log',
    words: 'galaxy telescope orbit planet nebula comet redshift eclipse asteroid lunar solar cosmic gravity'.split(' '),
  },
  court: {
    title: 'Case record',
    words: 'court plaintiff statute contract appeal judge verdict clause liability tort jury counsel defendant'.split(' '),
  },
};

/** Writes the mixed folder at `folder` (`perKind` documents of each kind, 150 sentences each) and returns it. */
export function writeMixedFolder(folder: string, perKind = 8): string {
  mkdirSync(folder, { recursive: true });
  const rng = new Rng(17);
  for (let i = 0; i < perKind; i++) {
    for (const [kind, { title, words }] of Object.entries(MIXED_KINDS)) {
      const sentences = Array.from(
        { length: 150 },
        () => `The ${Array.from({ length: 8 }, () => words[Math.floor(rng.uniform() * words.length)]).join(' ')}.`,
      );
      writeFileSync(join(folder, `${kind}-${i}.txt`), `${title} ${i}\n${sentences.join(' ')}\n`);
    }
  }
  return folder;
}
