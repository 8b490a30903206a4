// `grove models` and `grove download` against a local server that speaks the Hub's protocol, then the
// downloaded snapshot seeds a forest with `grove init --from`.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, groveBin } from '../../helpers/grove-process';
import { tempDir } from '../../helpers/tmp';
import { startHubServer, type HubServer } from '../../engine/hub/hub-server';
import { writeTinyModel } from '../../engine/hub/tiny-model';

const dir = tempDir();
const home = join(dir, 'home');
let hub: HubServer;

beforeAll(async () => {
  assertBuilt();
  const files = await writeTinyModel(join(dir, 'src'));
  hub = await startHubServer([{ repoId: 'grove-test/tiny', commit: 'e'.repeat(40), files }]);
});
afterAll(() => hub?.close());

// Asynchronous on purpose: the local Hub runs in this test process and must keep answering.
const grove = async (...args: string[]): Promise<string> =>
  (
    await promisify(execFile)(process.execPath, [groveBin, '--home', home, ...args], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, HF_ENDPOINT: hub.endpoint, HF_TOKEN: '' },
    })
  ).stdout;

describe('grove models and grove download', () => {
  it('lists the curated models', async () => {
    expect(await grove('models')).toMatch(/HuggingFaceTB\/SmolLM2-135M\s+base\s+135 M/);
  });

  it('downloads a model into the forest home and seeds a forest with it', async () => {
    const out = await grove('download', 'grove-test/tiny');
    const folder = /in (\S+)/.exec(out)?.[1] as string;
    expect(folder).toContain(join(home, 'hub'));
    expect(await grove('download', 'grove-test/tiny')).toContain(folder); // cached: same snapshot
    expect(await grove('init', '--from', folder, '--seed-name', 'tiny')).toMatch(/seed "tiny"/);
  });
});
