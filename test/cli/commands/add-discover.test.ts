// `grove add <folder> --discover` on one folder mixing three clearly different kinds of text (recipes, star
// notes, court records; 8 documents each, named by kind): it prints three clusters of 8 whose examples are each
// of one kind, and with --names each cluster becomes a domain holding exactly that kind's documents, with its
// light expert (--light --rank 4) trained, its files extracted once (the domain's ingest reuses the discovery's). Wrong --names counts, --domain beside --discover and --rank without --light are refused before anything is trained.
// `grove show` lists the forest's ensemble evaluations under the heatmap's labels, the cluster-routed one marked
// (none before any), and an expert's page the ensembles it was scored in.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/app/catalog/catalog';
import { listEvaluations } from '../../../src/app/catalog/evaluations';
import { routedExperts } from '../../../src/engine/forest/cluster-routing';
import { loadClusterer } from '../../../src/app/forest/clusterer-store';
import { catalogPath } from '../../../src/app/home';
import { plantTinyForest } from '../../helpers/forest-service';
import { assertBuilt, groveBin } from '../../helpers/grove-process';
import { MIXED_KINDS, writeMixedFolder } from '../../helpers/mixed-folder';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();
let home = '';
const mixed = join(dir, 'mixed');
const args = (...a: string[]) => [groveBin, '--home', home, ...a];
const grove = (...a: string[]) => execFileSync(process.execPath, args(...a), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

const KINDS = MIXED_KINDS;
/** The experts the forest's clusterer routes to, in its order (what grove eval --routing clusters scores). */
const routedExpertsOf = (h: string): string[] => routedExperts(loadClusterer(h)!);

beforeAll(async () => {
  assertBuilt();
  home = await plantTinyForest(dir);
  writeMixedFolder(mixed);
});

/** The printed clusters: each one's size and the kinds (file name prefixes) of its examples. */
function clustersOf(out: string): { size: number; kinds: string[] }[] {
  return out
    .split(/^cluster \d+: /m)
    .slice(1)
    .map((block) => ({
      size: Number(/^(\d+) documents/.exec(block)![1]),
      kinds: [...block.matchAll(/^ {2}(\w+)-\d+\.txt: /gm)].map((m) => m[1]!),
    }));
}

describe('grove add --discover', () => {
  let kinds: string[] = [];

  it('grove show says the forest has no ensemble evaluated yet', () => {
    const out = grove('show');
    expect(out).toMatch(/^\S+: 1 ready model\(s\), 0 domain\(s\), created /);
    expect(out).toMatch(/^No ensemble evaluated yet: `grove eval` scores the experts' ensemble/m);
  });

  it('prints three clusters of 8, each of one kind, with k suggested from the 24 documents', () => {
    const out = grove('add', mixed, '--discover');
    expect(out).toMatch(/24 documents, 3 clusters \(k suggested/);
    const clusters = clustersOf(out);
    expect(clusters.map((c) => c.size)).toEqual([8, 8, 8]);
    for (const c of clusters) {
      expect(c.kinds).toHaveLength(3);
      expect(new Set(c.kinds).size).toBe(1);
    }
    kinds = clusters.map((c) => c.kinds[0]!);
    expect([...kinds].sort()).toEqual(Object.keys(KINDS).sort());
    expect(out).toMatch(
      /top terms: (flour|butter|oven|bake|sugar|dough|whisk|simmer|garlic|onion|pan|salt|pepper|knead|stir|recipe|kitchen|card)\b/,
    );
  }, 120_000);

  it('refuses --names that do not give one per cluster, and --domain beside --discover', () => {
    const short = spawnSync(process.execPath, args('add', mixed, '--discover', '--names', 'a,b'), { encoding: 'utf8' });
    expect(short.status).not.toBe(0);
    expect(short.stderr).toMatch(/--names gives 2 names for 3 clusters: give one per cluster, in the order printed/);
    const both = spawnSync(process.execPath, args('add', mixed, '--discover', '--domain', 'x'), { encoding: 'utf8' });
    expect(both.stderr).toMatch(/leave out --domain and --name/);
    const rankAlone = spawnSync(process.execPath, args('add', mixed, '--discover', '--names', 'a,b,c', '--rank', '4'), {
      encoding: 'utf8',
    });
    expect(rankAlone.status).not.toBe(0);
    expect(rankAlone.stderr).toMatch(/--rank sets up a light expert; add --light/);
    expect(grove('jobs')).not.toMatch(/Ingest/);
  }, 60_000);

  it('with --names and --light --rank makes each cluster a domain of exactly its kind, and trains a light expert of that rank on each', () => {
    grove(
      'add',
      mixed,
      '--discover',
      '--names',
      kinds.join(','),
      '--init',
      'seed',
      '--steps',
      '2',
      '--threads',
      '1',
      '--light',
      '--rank',
      '4',
    );
    for (const kind of kinds) {
      const accepted = grove('ingest', '--report', '--domain', kind)
        .split('\n')
        .filter((l) => /\taccepted /.test(l));
      expect(accepted).toHaveLength(8);
      for (const l of accepted) expect(l.startsWith(`${kind}-`)).toBe(true);
      expect(grove('list')).toMatch(new RegExp(`\\texpert\\t${kind}\\t${kind}`));
      expect(grove('show', kind)).toMatch(/kind light: LoRA rank 4, alpha 8/);
      // Ingested once: the domain's ingest found all 8 files in the discovery's records and extracted none again.
      const report = JSON.parse(readFileSync(join(home, 'domains', kind, 'report.json'), 'utf8')) as {
        processed: { extracted: number; reused: number };
      };
      expect(report.processed).toMatchObject({ extracted: 0, reused: 8 });
    }
  }, 300_000);
});

describe('grove generate --routing clusters', () => {
  it('routes by the clusterer kept at discovery: a recipe prompt weighs the recipe expert most, and the reply runs', () => {
    // Needs the experts the previous block grew (one per kind, named by kind).
    const prompt = 'The flour butter oven bake sugar dough whisk simmer garlic onion pan salt.';
    const run = spawnSync(
      process.execPath,
      args('generate', prompt, '--routing', 'clusters', '--temperature', '0', '--max-tokens', '4', '--threads', '1'),
      { encoding: 'utf8' },
    );
    expect(run.status, run.stderr).toBe(0);
    const line = /^cluster routing: (.*)$/m.exec(run.stderr)![1]!;
    const weights = Object.fromEntries(line.split(', ').map((p) => [p.split(' ')[0]!, Number(p.split(' ')[1])]));
    expect(Object.keys(weights).sort()).toEqual(Object.keys(KINDS).sort());
    expect(Object.values(weights).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 2);
    expect(weights.recipe!).toBeGreaterThan(0.9);
    expect(run.stderr).toMatch(/\(4 tokens, stopped by length\)/);
    // With the top expert only, the others get weight 0 (they never run).
    const top1 = spawnSync(
      process.execPath,
      args('generate', prompt, '--routing', 'clusters', '--top-experts', '1', '--temperature', '0', '--max-tokens', '2', '--threads', '1'),
      { encoding: 'utf8' },
    );
    expect(top1.stderr).toMatch(/^cluster routing: .*recipe 1\.000/m);
  }, 120_000);

  it('grove eval --routing clusters scores the routed ensemble of the discovered (light) experts and stores it as cluster-routed', () => {
    const out = grove('eval', '--routing', 'clusters', '--domain', 'recipe', '--context', '32', '--batch', '2', '--threads', '1');
    const row = out.split('\n').find((l) => l.startsWith('ensemble (cluster routing)\trecipe\t'));
    expect(row, out).toBeDefined();
    const perplexity = Number(row!.split('\t')[5]);
    expect(Number.isFinite(perplexity) && perplexity > 1).toBe(true);
    // The three discovered experts were scored each on its own too.
    for (const kind of Object.keys(KINDS)) expect(out).toMatch(new RegExp(`^${kind}\\trecipe\\t`, 'm'));
    // Stored in the catalog like the other evaluations, marked as cluster-routed (the heatmap's row).
    const catalog = Catalog.open(catalogPath(home));
    try {
      const routed = listEvaluations(catalog, catalog.forest()!.id).filter((e) => e.spec.kind === 'routed');
      expect(routed).toHaveLength(1);
      expect(routed[0]).toMatchObject({ label: 'ensemble of 3 (cluster-routed)', domain: 'recipe', split: 'test' });
      expect(routed[0]!.spec).toEqual({ kind: 'routed', routing: 'clusters', models: routedExpertsOf(home) });
      expect(routed[0]!.perplexity.toFixed(2)).toBe(row!.split('\t')[5]);
    } finally {
      catalog.close();
    }
  }, 120_000);

  it('grove show lists the ensemble evaluations under the heatmap labels, the cluster-routed one marked, and a model the ensembles it is in', () => {
    const experts = routedExpertsOf(home);
    const scoring = ['--domain', 'recipe', '--context', '32', '--batch', '2', '--threads', '1'];
    const routedOut = grove('eval', '--routing', 'clusters', ...scoring);
    const posteriorOut = grove('eval', '--model', ...experts, '--prior', 'uniform', ...scoring);
    /** The perplexity `grove eval` printed on a row. */
    const printed = (out: string, what: string) =>
      out
        .split('\n')
        .find((l) => l.startsWith(`${what}\trecipe\t`))!
        .split('\t')[5]!;
    const lines = grove('show').split('\n');
    expect(lines).toContain('Ensembles evaluated (newest score per domain and split):');
    // Each row as the heatmap labels it, its experts, how it was weighed, then its newest score on each domain.
    const rows = [
      {
        head: `  ensemble of 3 (cluster-routed): ${experts.join(', ')} (c-BTM routing by the forest's clusterer)`,
        perplexity: printed(routedOut, 'ensemble (cluster routing)'),
      },
      {
        head: `  ensemble of 3 (uniform prior): ${experts.join(', ')} (uniform prior, context posterior)`,
        perplexity: printed(posteriorOut, 'ensemble (uniform prior, context posterior)'),
      },
    ];
    for (const { head, perplexity } of rows) {
      expect(lines, lines.join('\n')).toContain(head);
      expect(lines[lines.indexOf(head) + 1]).toMatch(
        new RegExp(`^ {4}recipe test: perplexity ${perplexity}, [\\d.]+ bits/byte \\(\\d+ tokens\\)$`),
      );
    }
    // One expert's page lists the ensembles it was scored in, the cluster-routed one among them.
    const one = grove('show', experts[0]!);
    expect(one).toMatch(/^ {2}in ensembles:$/m);
    expect(one).toContain(`    ${rows[0]!.head.trim()}`);
  }, 120_000);

  it('refuses --routing clusters with --weights', () => {
    const run = spawnSync(process.execPath, args('generate', 'x', '--routing', 'clusters', '--weights', 'recipe=1'), { encoding: 'utf8' });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/takes no manual weights/);
  }, 60_000);
});
