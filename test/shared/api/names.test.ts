// One rule for domain and model names, the same in the API schemas and the store: traversal, separators, hidden
// names, absolute paths, NUL and overlong names are refused with a sentence; ordinary names pass.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GroveService } from '../../../src/app/api/service';
import { domainDir } from '../../../src/app/store/domains';
import { dispatchCall } from '../../../src/shared/api/dispatch';
import { GroveError } from '../../../src/shared/api/errors';
import { checkName, nameProblem } from '../../../src/shared/api/names';
import { tempDir } from '../../helpers/tmp';

const HOSTILE_NAMES = ['../x', '../../x', 'a/b', 'a\\b', '..', '.', '.hidden', '/etc', 'C:\\x', 'a\0b', 'a\nb', 'a b', '', 'x'.repeat(65)];
const GOOD_NAMES = ['notes', 'legal-2024', 'a.b_c', '_x', '-y', 'x'.repeat(64), '7'];

const home = join(tempDir(), 'home');
const service = new GroveService({ forestHome: home, transport: 'http' });
afterAll(() => service.close());

describe('nameProblem and checkName', () => {
  it('refuses every hostile name with a sentence that shows the name escaped', () => {
    for (const name of HOSTILE_NAMES) {
      expect(nameProblem(name), JSON.stringify(name)).toBeDefined();
      expect(() => checkName('domain', name)).toThrow(GroveError);
    }
    expect(() => checkName('domain', 'a\0b')).toThrow('"a\\u0000b" cannot be a domain name: use letters, digits');
    expect(() => checkName('model', 'x'.repeat(300))).toThrow(/cannot be a model name: it is 300 characters long, over 64/);
  });

  it('accepts ordinary names', () => {
    for (const name of GOOD_NAMES) expect(checkName('domain', name)).toBe(name);
  });
});

describe('the rule where names enter', () => {
  it('is the API schema for domain names and new model names', async () => {
    for (const name of HOSTILE_NAMES) {
      const add = (await dispatchCall(service, 'addDomain', { folder: home, domain: name }).catch((e: unknown) => e)) as GroveError;
      expect(add.code, JSON.stringify(name)).toBe('bad_input');
      const collapse = (await dispatchCall(service, 'collapse', { name, weighting: { kind: 'uniform' } }).catch(
        (e: unknown) => e,
      )) as GroveError;
      expect(collapse.code, JSON.stringify(name)).toBe('bad_input');
      const train = (await dispatchCall(service, 'trainExpert', { domain: 'notes', name }).catch((e: unknown) => e)) as GroveError;
      expect(train.code, JSON.stringify(name)).toBe('bad_input');
      const seed = (await dispatchCall(service, 'importSeed', { folder: home, name }).catch((e: unknown) => e)) as GroveError;
      expect(seed.code, JSON.stringify(name)).toBe('bad_input');
    }
    // The same call with a good name gets past the schema (and stops later: this service runs no jobs).
    const ok = (await dispatchCall(service, 'addDomain', { folder: home, domain: 'notes' }).catch((e: unknown) => e)) as GroveError;
    expect(ok.code).not.toBe('bad_input');
  });

  it('guards the store: no domain folder is built from a hostile name, whoever calls', async () => {
    for (const name of HOSTILE_NAMES) expect(() => domainDir(home, name), JSON.stringify(name)).toThrow(/cannot be a domain name/);
    expect(domainDir(home, 'notes')).toBe(join(home, 'domains', 'notes'));
  });
});
