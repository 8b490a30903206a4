// A chat routed by the clusters (c-BTM) end to end below the CLI: a forest of two real (tiny) experts whose
// clusterer is stored with it; resolveMix with routing 'clusters' names them and the clusterer, and a reply runs
// with weights equal to the routing weights recomputed here from the conversation's text, fixed for the reply.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/app/catalog/catalog';
import { discoverDomains } from '../../../src/engine/corpus/discover/discover';
import { clusterRoutingWeights } from '../../../src/engine/forest/cluster-routing';
import { clustererDir, loadClusterer, saveClusterer } from '../../../src/app/forest/clusterer-store';
import { catalogPath } from '../../../src/app/home';
import { resolveMix } from '../../../src/app/infer/mix';
import { ModelPool } from '../../../src/app/infer/model-pool';
import { runReply } from '../../../src/app/infer/reply';
import { forestTokenizerDir } from '../../../src/app/store/init';
import { writeTinyForest, type TinyForest } from '../../helpers/chat-forest';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();
let forest: TinyForest;
let catalog: Catalog;
const pool = new ModelPool({ run: { threads: 1 } });
const LAW = 'court statute plaintiff appeal judge verdict contract clause liability jury'.split(' ');
const MED = 'patient dose clinic symptom fever diagnosis therapy nurse surgery vaccine'.split(' ');

beforeAll(async () => {
  forest = await writeTinyForest(join(dir, 'a'), ['law', 'med']);
  catalog = Catalog.open(catalogPath(forest.home));
  const docs = Array.from({ length: 6 }, (_, i) => [
    {
      path: `law-${i}`,
      text: Array.from({ length: 40 }, (_, t) => LAW[(t * 3 + i) % LAW.length]! + (t % 8 === 0 ? ' dose' : '')).join(' '),
    },
    {
      path: `med-${i}`,
      text: Array.from({ length: 40 }, (_, t) => MED[(t * 7 + i) % MED.length]! + (t % 8 === 0 ? ' court' : '')).join(' '),
    },
  ]).flat();
  const d = discoverDomains(docs, { k: 2 });
  await saveClusterer(forest.home, { clusterer: d.clusterer, experts: d.clusters.map((c) => c.members[0]!.split('-')[0]!) });
});
afterAll(async () => {
  catalog?.close();
  await pool.close();
});

describe('routing: clusters', () => {
  it('resolves to the discovered experts and the stored clusterer', () => {
    const r = resolveMix(catalog, forest.home, { routing: 'clusters' });
    expect([...r.models].sort()).toEqual(['law', 'med']);
    expect(r.prior).toBe('clusters');
    expect(r.mix).toMatchObject({ kind: 'ensemble', weighting: { kind: 'clusters', clusterer: clustererDir(forest.home), topK: null } });
    expect(resolveMix(catalog, forest.home, { routing: 'clusters', topK: 1 }).mix).toMatchObject({
      weighting: { kind: 'clusters', topK: 1 },
    });
    expect(() => resolveMix(catalog, forest.home, { routing: 'clusters', weights: { law: 1 } })).toThrow(/takes no manual weights/);
  });

  it('replies to a chat with the routing weights of its text, fixed for the reply', async () => {
    const resolved = resolveMix(catalog, forest.home, { routing: 'clusters' });
    const messages = [{ role: 'user' as const, content: 'The patient had a fever; the clinic gave a dose and the jury' }];
    const weightsSeen: number[][] = [];
    const r = await runReply(
      pool,
      {
        tokenizerDir: forestTokenizerDir(forest.home),
        input: { kind: 'chat', messages },
        mix: resolved.mix,
        sampling: { temperature: 0, topK: 0, topP: 1, repetitionPenalty: 1, seed: 0 },
        maxTokens: 4,
      },
      { onDelta: (_, w) => weightsSeen.push(w.map((x) => x.weight)) },
    );
    expect(r.tokens).toBeGreaterThan(0);
    const router = loadClusterer(forest.home)!;
    const want = clusterRoutingWeights(router, messages[0]!.content);
    const names = [...new Set(router.experts)];
    for (const w of r.posterior) expect(w.weight).toBeCloseTo(want[names.indexOf(w.name)]!, 6);
    expect(r.posterior.find((w) => w.name === 'med')!.weight).toBeGreaterThan(0.5);
    for (const seen of weightsSeen) expect(seen).toEqual(r.posterior.map((w) => w.weight));
  }, 60_000);
});
