import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GroveService } from '../../../src/app/api/service';
import { API_METHODS } from '../../../src/shared/api';
import { dispatchCall, isApiMethod } from '../../../src/shared/api/dispatch';
import { GroveError } from '../../../src/shared/api/errors';
import { tempDir } from '../../helpers/tmp';

const service = new GroveService({ forestHome: join(tempDir(), 'home'), transport: 'http' });
afterAll(() => service.close());

describe('dispatchCall', () => {
  it('runs a known method with valid input', async () => {
    await expect(dispatchCall(service, 'forestSummary', {})).resolves.toEqual({ forest: null, domains: [], models: [], lineage: [] });
  });

  it('treats a missing input as {}', async () => {
    await expect(dispatchCall(service, 'info', undefined)).resolves.toMatchObject({ transport: 'http' });
  });

  it('refuses unknown methods, naming the known ones', async () => {
    const err = await dispatchCall(service, 'dropTables', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GroveError);
    expect((err as GroveError).code).toBe('unknown_method');
    expect((err as GroveError).details).toEqual({ known: API_METHODS });
  });

  it('refuses input that does not match the schema, naming the bad key', async () => {
    const err = (await dispatchCall(service, 'info', { sneaky: true }).catch((e: unknown) => e)) as GroveError;
    expect(err.code).toBe('bad_input');
    expect(err.message).toContain('sneaky');
    const empty = (await dispatchCall(service, 'domainReport', { domain: '' }).catch((e: unknown) => e)) as GroveError;
    expect(empty.message).toMatch(/domain/);
  });

  it('passes engine errors through with their code', async () => {
    const err = (await dispatchCall(service, 'domainReport', { domain: 'nowhere' }).catch((e: unknown) => e)) as GroveError;
    expect(err.code).toBe('not_found');
  });

  it('only accepts own method names', () => {
    expect(isApiMethod('info')).toBe(true);
    expect(isApiMethod('toString')).toBe(false);
    expect(isApiMethod(42)).toBe(false);
  });
});
