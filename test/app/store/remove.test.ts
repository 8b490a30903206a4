// `grove remove`: the seed stays, a model being trained stays, and a full model that light experts are
// built on stays while they live (its removal names them); a copy of the base elsewhere lets it go.
import { describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/app/catalog/catalog';
import { ensureForest } from '../../../src/app/catalog/domains';
import { basesInUse, insertModel, type NewModel } from '../../../src/app/catalog/models';
import { insertRun, setRunJob } from '../../../src/app/catalog/runs';
import { JobQueue } from '../../../src/app/jobs/queue';
import { removeModel } from '../../../src/app/store/remove';

const BASE = 'b'.repeat(64);
const lora = { rank: 4, alpha: 8, targets: ['q_proj', 'v_proj'] as const };

function forest(): { catalog: Catalog; add: (m: Partial<NewModel> & { name: string }) => number } {
  const catalog = Catalog.open(':memory:');
  const forestId = ensureForest(catalog, 'f');
  const add = (m: Partial<NewModel> & { name: string }) =>
    insertModel(catalog, {
      forestId,
      role: 'expert',
      weightsSha256: null,
      weightsBytes: null,
      architectureJson: '{}',
      tokenizerSha256: null,
      ...m,
    });
  add({ name: 'seed', role: 'seed', weightsSha256: 'a'.repeat(64) });
  return { catalog, add };
}

describe('removeModel', () => {
  it('refuses the base of live light experts, naming them, until they are gone', () => {
    const { catalog, add } = forest();
    add({ name: 'base2', role: 'collapsed', weightsSha256: BASE });
    add({ name: 'law', weightsSha256: 'c'.repeat(64), light: { baseSha256: BASE, lora: { ...lora, targets: [...lora.targets] } } });
    add({ name: 'med', weightsSha256: 'd'.repeat(64), light: { baseSha256: BASE, lora: { ...lora, targets: [...lora.targets] } } });
    expect(basesInUse(catalog)).toEqual([BASE]);
    expect(() => removeModel(catalog, 'base2')).toThrow(/"base2" is the base of light experts "law", "med"/);
    removeModel(catalog, 'law');
    expect(() => removeModel(catalog, 'base2')).toThrow(/light expert "med":/);
    removeModel(catalog, 'med');
    expect(basesInUse(catalog)).toEqual([]);
    expect(removeModel(catalog, 'base2')).toMatchObject({ name: 'base2' });
  });

  it('lets a model go when another live model has the same weights (the base stays in the store)', () => {
    const { catalog, add } = forest();
    add({ name: 'base2', role: 'collapsed', weightsSha256: BASE });
    add({ name: 'copy', weightsSha256: BASE });
    add({ name: 'law', weightsSha256: 'c'.repeat(64), light: { baseSha256: BASE, lora: { ...lora, targets: [...lora.targets] } } });
    expect(removeModel(catalog, 'copy')).toMatchObject({ name: 'copy' });
    expect(() => removeModel(catalog, 'base2')).toThrow(/base of light expert "law"/);
  });

  it('refuses a model while a job trains it, naming the newest such job; a failed or finished one does not hold it', () => {
    const { catalog, add } = forest();
    const law = add({ name: 'law', weightsSha256: 'c'.repeat(64) });
    const queue = new JobQueue(catalog);
    const train = () => {
      const runId = insertRun(catalog, {
        modelId: law,
        domainId: null,
        config: {},
        totalSteps: 1,
        device: 'cpu',
        runDir: '',
        initSha256: null,
      });
      const job = queue.enqueue('expert', { modelId: law });
      setRunJob(catalog, runId, job.id);
      return job.id;
    };
    const refusal = (job: number) => new RegExp(`"law" is being trained \\(job ${job}\\): cancel that job first`);
    const first = train();
    const second = train();
    queue.pause(second);
    expect(() => removeModel(catalog, 'law')).toThrow(refusal(second));
    queue.cancel(second);
    expect(() => removeModel(catalog, 'law')).toThrow(refusal(first));
    queue.fail(queue.claimNext()!.id, 'out of memory');
    expect(queue.get(first).status).toBe('failed');
    expect(removeModel(catalog, 'law')).toMatchObject({ name: 'law' });
  });

  it('refuses the seed', () => {
    const { catalog } = forest();
    expect(() => removeModel(catalog, 'seed')).toThrow(/the forest's seed/);
  });
});
