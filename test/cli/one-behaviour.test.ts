// One behaviour (issue 20): the app (through the engine's service, as its screens call it) and the CLI, on one
// forest and one folder, with nothing set by the person: the same training budget for a new expert, the same
// perplexity for the same weights, the same export (path, format, precision, bytes). The defaults themselves
// live in src/shared/api/defaults.ts; this test holds the two hosts to them.
import { execFileSync } from 'node:child_process';
import { readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GroveService } from '../../src/app/api/service';
import { nodeWorkerLauncher } from '../../src/app/jobs/node-launcher';
import type { JobView } from '../../src/shared/api';
import { DEFAULT_EXPERT_PASSES, defaultExportPath } from '../../src/shared/api/defaults';
import { assertBuilt, groveBin, repoRoot } from '../helpers/grove-process';
import { initTinyForest, writeRecipeFolder } from '../helpers/tiny-forest';
import { tempDir } from '../helpers/tmp';

const dir = tempDir();
let home: string;
let service: GroveService;

const grove = (...args: string[]): string =>
  execFileSync(process.execPath, [groveBin, '--home', home, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

function settled(id: number): Promise<JobView> {
  return new Promise((resolve) => {
    const check = (job: JobView | undefined) => {
      if (job?.id !== id || !['done', 'failed', 'cancelled'].includes(job.status)) return;
      off();
      resolve(job);
    };
    const off = service.onEvent((e) => e.type === 'job.changed' && check(e.job));
    void service.jobs({}).then((jobs) => check(jobs.find((j) => j.id === id)));
  });
}

beforeAll(async () => {
  assertBuilt();
  home = await initTinyForest(dir, { numHiddenLayers: 1 });
  const folder = writeRecipeFolder(dir);
  // The CLI's everyday command, with no budget: the default.
  grove('add', folder, '--domain', 'recipes');
  service = new GroveService({
    forestHome: home,
    transport: 'http',
    workers: nodeWorkerLauncher(join(repoRoot, 'out/node/job-worker.js')),
  });
}, 180_000);
afterAll(() => service?.close());

describe('the app and the CLI on one forest', () => {
  it('give a new expert the same budget when none is set: the app sends its default passes, the CLI sends none', async () => {
    const [run] = (await service.runs({})).filter((r) => r.domain === 'recipes');
    const app = await service.trainingEstimate({ domain: 'recipes', budget: { passes: DEFAULT_EXPERT_PASSES } });
    const none = await service.trainingEstimate({ domain: 'recipes' });
    expect(app.budget).toEqual(none.budget);
    expect(run?.totalSteps).toBe('steps' in app.budget ? app.budget.steps : NaN);
  });

  it('score the same weights with the same perplexity: the heatmap’s evaluation and `grove eval`', async () => {
    const job = await service.evaluate({ models: ['recipes'], domains: ['recipes'], ensemble: false, split: 'test' });
    expect((await settled(job.id)).status).toBe('done');
    const app = (await service.evaluations({})).find(
      (e) => e.spec.kind === 'model' && e.spec.model === 'recipes' && e.domain === 'recipes',
    );
    const row = grove('eval', '--model', 'recipes', '--domain', 'recipes')
      .split('\n')
      .find((l) => l.startsWith('recipes\t'));
    const [, , , tokens, loss] = row!.split('\t');
    expect(Number(tokens)).toBe(app!.tokens);
    expect(Number(loss)).toBeCloseTo(app!.loss, 4);
  });

  it('export a model alike with nothing chosen: the same destination, format, precision and bytes', async () => {
    const expected = defaultExportPath(home, 'recipes', 'gguf');
    const job = await service.exportModel({ model: 'recipes' });
    expect((await settled(job.id)).status).toBe('done');
    const fromApp = readFileSync(expected);
    renameSync(expected, `${expected}.app`);
    expect(grove('export', 'recipes')).toContain(`Exported recipes as gguf (f16) to ${expected}`);
    expect(readFileSync(expected).equals(fromApp)).toBe(true);
  });
});
