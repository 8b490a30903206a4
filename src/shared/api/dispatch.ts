// Validates a call arriving over any transport and runs it on the engine: the one place input is checked.
import { GroveError } from './errors';
import { API_METHODS, type ApiMethodName } from './methods';
import { apiSchemas } from './schemas';
import type { GroveCalls } from './index';

export function isApiMethod(name: unknown): name is ApiMethodName {
  return typeof name === 'string' && (API_METHODS as readonly string[]).includes(name);
}

export async function dispatchCall(handlers: GroveCalls, method: unknown, input: unknown): Promise<unknown> {
  if (!isApiMethod(method)) {
    throw new GroveError('unknown_method', `Unknown Grove API method ${JSON.stringify(method)}.`, { known: API_METHODS });
  }
  const parsed = apiSchemas[method].input.safeParse(input ?? {});
  if (!parsed.success) {
    throw new GroveError(
      'bad_input',
      `Invalid input for ${method}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
      {
        issues: parsed.error.issues,
      },
    );
  }
  const call = handlers[method] as (this: GroveCalls, input: unknown) => Promise<unknown>;
  return call.call(handlers, parsed.data);
}
