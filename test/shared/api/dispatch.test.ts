import { describe, expect, it } from 'vitest';
import { dispatchCall, isApiMethod } from '../../../src/shared/api/dispatch';
import { GroveError } from '../../../src/shared/api/errors';
import type { GroveCalls } from '../../../src/shared/api';

const handlers: GroveCalls = {
  async info() {
    return { version: '1', forestHome: '/f', runtime: { onnxruntimeVersion: 'x', providers: [] }, transport: 'http' };
  },
  async forestSummary() {
    return { forest: null, domains: [], models: [] };
  },
};

describe('dispatchCall', () => {
  it('runs a known method with valid input', async () => {
    await expect(dispatchCall(handlers, 'forestSummary', {})).resolves.toEqual({ forest: null, domains: [], models: [] });
  });

  it('treats a missing input as {}', async () => {
    await expect(dispatchCall(handlers, 'info', undefined)).resolves.toMatchObject({ version: '1' });
  });

  it('refuses unknown methods, naming the known ones', async () => {
    const err = await dispatchCall(handlers, 'dropTables', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GroveError);
    expect((err as GroveError).code).toBe('unknown_method');
    expect((err as GroveError).details).toEqual({ known: ['info', 'forestSummary'] });
  });

  it('refuses input that does not match the schema, naming the bad key', async () => {
    const err = (await dispatchCall(handlers, 'info', { sneaky: true }).catch((e: unknown) => e)) as GroveError;
    expect(err.code).toBe('bad_input');
    expect(err.message).toContain('sneaky');
  });

  it('only accepts own method names', () => {
    expect(isApiMethod('info')).toBe(true);
    expect(isApiMethod('toString')).toBe(false);
    expect(isApiMethod(42)).toBe(false);
  });
});
