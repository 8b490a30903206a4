// The worker's model pool: a model is opened once and reused, the least recently used ones beyond the
// limit are closed (never one the current reply needs), and a failed open is forgotten; light experts'
// adapters likewise (read once, kept up to a limit, a failed read forgotten), over one open base.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelPool } from '../../../src/app/infer/model-pool';
import { writeAdapterFolder } from '../../../src/engine/model/adapter-folder';
import { parseModelConfig } from '../../../src/engine/model/config';
import { loraSpecs, type LoraConfig } from '../../../src/engine/model/lora';
import { elementCount } from '../../../src/engine/model/names';
import { Rng } from '../../../src/engine/model/rng';
import { writeTestModel } from '../../helpers/model';
import { tempDir } from '../../helpers/tmp';
import { TINY_CHAT_CONFIG } from '../../helpers/chat-forest';

const dir = tempDir();
const ref = (k: string) => ({ key: k, folder: join(dir, k) });
const pool = new ModelPool({ maxOpen: 2, run: { threads: 1 } });

beforeAll(async () => {
  for (const [i, k] of ['a', 'b', 'c'].entries()) await writeTestModel(join(dir, k), TINY_CHAT_CONFIG, { seed: i + 1 });
});
afterAll(() => pool.close());

describe('ModelPool', () => {
  it('reuses open models and closes the least recently used beyond the limit, keeping those in use', async () => {
    const [a] = await pool.use([ref('a')]);
    expect((await pool.use([ref('a')]))[0]).toBe(a);
    await pool.use([ref('b')]);
    await pool.use([ref('c')]);
    expect(pool.openKeys).toEqual(['b', 'c']);
    const three = await pool.use([ref('a'), ref('b'), ref('c')]);
    expect(three).toHaveLength(3);
    expect(pool.openKeys).toEqual(['a', 'b', 'c']); // all needed now: none closed
    await pool.use([ref('a')]);
    expect(pool.openKeys).toEqual(['c', 'a']);
    expect(three[0]).not.toBe(a); // 'a' was closed once and opened afresh
    // A closed model's sessions are gone; a reused one still runs.
    expect((await (await pool.use([ref('a')]))[0]!.decoder().prefill([1, 2])).length).toBe(TINY_CHAT_CONFIG.vocabSize);
  });

  it('opens a model again for other threads (sessions fix theirs), and reuses it for the same', async () => {
    const [own] = await pool.use([ref('a')]);
    expect((await pool.use([ref('a')], 1))[0]).toBe(own); // the pool's own threads: the same sessions
    const [two] = await pool.use([ref('a')], 2);
    expect(two).not.toBe(own);
    expect((await pool.use([ref('a')], 2))[0]).toBe(two);
    expect(pool.openKeys).toEqual(['a', 'a@2/f32']);
    expect((await two!.decoder().prefill([1, 2])).length).toBe(TINY_CHAT_CONFIG.vocabSize);
  });

  it('forgets a model that failed to open, so the next message tries again', async () => {
    await expect(pool.use([ref('missing')])).rejects.toThrow();
    expect(pool.openKeys).not.toContain('missing');
  });
});

describe('ModelPool adapters', () => {
  it('reads an adapter once, keeps at most maxAdapters beyond those in use, and forgets one that failed', async () => {
    const adapters = new ModelPool({ maxAdapters: 1, run: { threads: 1 } });
    const config = parseModelConfig(TINY_CHAT_CONFIG);
    const lora: LoraConfig = { rank: 2, alpha: 2, targets: ['q_proj', 'v_proj'] };
    const light = async (name: string) => {
      const folder = join(dir, name);
      const tensors = new Map(
        loraSpecs(config, lora).map((s) => [s.name, new Rng(1, s.name).fillNormal(new Float32Array(elementCount(s.shape)), 0, 0.1)]),
      );
      await writeAdapterFolder(folder, { config, lora, baseModel: 'a', tensors });
      return { ...ref('a'), adapter: { key: name, folder } };
    };
    const [x, y] = [await light('x'), await light('y')];
    const refs = [ref('a'), x, y];
    const models = await adapters.use(refs);
    expect(models[1]).toBe(models[0]); // one base for its light experts
    const [none, ax, ay] = await adapters.adapters(refs, models);
    expect(none).toBeUndefined();
    expect(ax!.lora).toEqual(lora);
    expect(adapters.adapterKeys).toEqual(['x@a', 'y@a']); // both in use: none dropped
    expect((await adapters.adapters([x], models))[0]).toBe(ax); // read once
    expect(adapters.adapterKeys).toEqual(['x@a']); // over the limit, y (not in use) went
    expect((await adapters.adapters([y], models))[0]).not.toBe(ay);
    await expect(adapters.adapters([{ ...ref('a'), adapter: { key: 'gone', folder: join(dir, 'gone') } }], models)).rejects.toThrow(
      /adapter's config/,
    );
    expect(adapters.adapterKeys).not.toContain('gone@a');
    await adapters.close();
  });
});
