// The endpoint's switch without a transport (the command line's service): the setting is kept in the forest
// home and read back by the next switch, and the view says why nothing serves it here. (With transports:
// test/server/openai/standalone.test.ts and endpoint.test.ts.)
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OPENAI_SETTING_FILE, OpenAiSwitch } from '../../../src/app/api/openai-switch';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();

describe('OpenAiSwitch', () => {
  it('is off until set, keeps the setting in the forest home, and says when this process cannot serve it', async () => {
    const home = join(dir, 'home');
    const s = new OpenAiSwitch(home);
    expect(await s.current()).toEqual({ enabled: false, url: null, key: null, problem: null });
    const on = await s.set(true);
    expect(on).toMatchObject({ enabled: true, url: null, key: null });
    expect(on.problem).toMatch(/grove serve --openai/);
    expect(JSON.parse(readFileSync(join(home, OPENAI_SETTING_FILE), 'utf8'))).toEqual({ enabled: true });
    expect(await new OpenAiSwitch(home).wanted()).toBe(true);
    expect(await s.set(false)).toEqual({ enabled: false, url: null, key: null, problem: null });
    expect(await new OpenAiSwitch(home).wanted()).toBe(false);
  });

  it('reads a setting file it cannot parse as off', async () => {
    const home = join(dir, 'odd');
    await new OpenAiSwitch(home).set(false);
    writeFileSync(join(home, OPENAI_SETTING_FILE), 'not json');
    expect(await new OpenAiSwitch(home).wanted()).toBe(false);
  });
});
