// `grove mix save|list|remove` as a user runs them (the built CLI, a tiny forest): saved, listed with the models
// they resolve to, refused with a sentence when they could not run or would hide a name, removed; a mix routed by
// the discovered clusters (--routing clusters) once the forest has a clusterer.
import { execFileSync, spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, groveBin } from '../../helpers/grove-process';
import { discoverDomains } from '../../../src/engine/corpus/discover/discover';
import { saveClusterer } from '../../../src/app/forest/clusterer-store';
import { writeTinyForest } from '../../helpers/chat-forest';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();
let home: string;
const grove = (...args: string[]) =>
  execFileSync(process.execPath, [groveBin, '--home', home, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const groveFails = (...args: string[]) => {
  const r = spawnSync(process.execPath, [groveBin, '--home', home, ...args], { encoding: 'utf8' });
  expect(r.status, r.stdout).toBe(1);
  return r.stderr;
};

beforeAll(async () => {
  assertBuilt();
  home = (await writeTinyForest(dir, ['law', 'med', 'poems'])).home;
});

describe('grove mix', () => {
  it('saves fixed and top-k mixes, lists them with their models, removes them', () => {
    expect(grove('mix', 'list')).toMatch(/No saved mixes yet/);
    expect(grove('mix', 'save', 'legal', '--weights', 'law=0.7,med=0.3')).toMatch(
      /saved mix legal: fixed: law 0.7, med 0.3 \(models: law, med\)/,
    );
    expect(grove('mix', 'save', 'best-two', '--top-experts', '2')).toMatch(
      /saved mix best-two: live posterior over the top 2 experts by prior \(models: law, med, poems\)/,
    );
    const listed = grove('mix', 'list').trimEnd().split('\n');
    expect(listed).toEqual([
      '  best-two\tlive posterior over the top 2 experts by prior\t-> law, med, poems',
      '  legal\tfixed: law 0.7, med 0.3\t-> law, med',
    ]);
    expect(groveFails('mix', 'save', 'legal', '--weights', 'law=1')).toMatch(/already saved.*--replace/);
    expect(grove('mix', 'save', 'legal', '--weights', 'law=1', '--replace')).toMatch(/saved mix legal: fixed: law 1 \(models: law\)/);
    expect(grove('mix', 'remove', 'legal')).toMatch(/removed mix legal/);
    expect(groveFails('mix', 'remove', 'legal')).toMatch(/No saved mix named "legal"/);
    expect(
      grove('mix', 'list')
        .trim()
        .split('\n')
        .map((l) => l.trim().split('\t')[0]),
    ).toEqual(['best-two']);
  });

  it('refuses what could not run or would hide a name, saying what to do', () => {
    expect(groveFails('mix', 'save', 'x', '--weights', 'law=1', '--top-experts', '2')).toMatch(/either --weights .* or --top-experts K/);
    expect(groveFails('mix', 'save', 'x')).toMatch(/Say how the mix weighs the experts/);
    expect(groveFails('mix', 'save', 'x', '--weights', 'law=1,ghost=1')).toMatch(/No model named "ghost"/);
    expect(groveFails('mix', 'save', 'forest', '--top-experts', '1')).toMatch(/"forest" already names the whole forest/);
    expect(groveFails('mix', 'save', 'law', '--top-experts', '1')).toMatch(/"law" names a model of this forest/);
    expect(groveFails('mix', 'save', '../up', '--top-experts', '1')).toMatch(/cannot be a model name/);
    expect(groveFails('mix', 'save', 'x', '--top-experts', '0')).toMatch(/--top-experts must be a whole number from 1 to 64/);
  });

  it('saves a mix routed by the clusters (c-BTM) once the forest has a clusterer, callable by its name', async () => {
    expect(groveFails('mix', 'save', 'routed', '--routing', 'clusters')).toMatch(/This forest has no clusterer/);
    expect(groveFails('mix', 'save', 'routed', '--routing', 'clusters', '--weights', 'law=1')).toMatch(
      /--routing clusters .* takes no --weights/,
    );
    expect(groveFails('mix', 'save', 'routed', '--routing', 'nearest')).toMatch(
      /--routing is posterior \(the default\) or clusters, not "nearest"/,
    );
    const words = {
      law: 'court statute plaintiff appeal judge verdict contract clause'.split(' '),
      med: 'patient dose clinic symptom fever diagnosis therapy nurse'.split(' '),
    };
    const docs = Array.from({ length: 6 }, (_, i) =>
      Object.entries(words).map(([kind, w]) => ({
        path: `${kind}-${i}`,
        text: Array.from({ length: 30 }, (_, t) => w[(t * 3 + i) % w.length]!).join(' '),
      })),
    ).flat();
    const d = discoverDomains(docs, { k: 2 });
    await saveClusterer(home, { clusterer: d.clusterer, experts: d.clusters.map((c) => c.members[0]!.split('-')[0]!) });
    expect(grove('mix', 'save', 'routed', '--routing', 'clusters')).toMatch(
      /saved mix routed: routed by the clusters \(c-BTM\) to every discovered expert \(models: (law, med|med, law)\)/,
    );
    expect(grove('mix', 'save', 'nearest', '--routing', 'clusters', '--top-experts', '1')).toMatch(
      /saved mix nearest: routed by the clusters \(c-BTM\) to the nearest discovered expert \(models: /,
    );
    expect(grove('mix', 'list')).toMatch(/^ {2}routed\trouted by the clusters \(c-BTM\) to every discovered expert\t-> /m);
  });
});
