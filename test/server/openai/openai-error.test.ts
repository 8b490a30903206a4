// Grove's errors in OpenAI's shape and status codes, so that OpenAI's clients raise the class they expect.
import { describe, expect, it } from 'vitest';
import { OpenAiError, openAiErrorOf } from '../../../src/server/openai/openai-error';
import { GroveError } from '../../../src/shared/api/errors';

describe('openAiErrorOf', () => {
  it('maps Grove’s codes to OpenAI’s statuses and types, keeping the sentence', () => {
    const cases: [GroveError, number, string][] = [
      [new GroveError('bad_input', 'A reply needs room.'), 400, 'invalid_request_error'],
      [new GroveError('not_found', 'No model named "x".'), 404, 'invalid_request_error'],
      [new GroveError('conflict', 'Model m has no weights yet.'), 409, 'invalid_request_error'],
      [new GroveError('internal', 'The inference worker was killed.'), 500, 'server_error'],
    ];
    for (const [err, status, type] of cases) {
      const e = openAiErrorOf(err);
      expect(e.status).toBe(status);
      expect(e.body()).toEqual({ error: { message: err.message, type, param: null, code: err.code } });
    }
  });

  it('keeps an OpenAI error as it is, and turns anything else into a 500 with its message', () => {
    const limit = new OpenAiError(429, 'busy', 'requests', null, 'rate_limit_exceeded', { 'Retry-After': '3' });
    expect(openAiErrorOf(limit)).toBe(limit);
    const e = openAiErrorOf(new TypeError('x is undefined'));
    expect([e.status, e.body().error]).toEqual([500, { message: 'x is undefined', type: 'server_error', param: null, code: 'internal' }]);
  });
});
