// Builds the typed GroveApi from a transport: the same client for Electron IPC and for HTTP.
import { API_METHODS, GroveError, type GroveApi, type GroveEvent } from '../../../shared/api';
import type { GroveTransport } from '../../../shared/api/envelope';

export function createClient(transport: GroveTransport): GroveApi {
  const calls = Object.fromEntries(
    API_METHODS.map((method) => [
      method,
      async (input: unknown) => {
        const envelope = await transport.call(method, input ?? {});
        if (!envelope.ok) throw GroveError.fromData(envelope.error);
        return envelope.result;
      },
    ]),
  );
  return {
    ...(calls as Omit<GroveApi, 'onEvent'>),
    onEvent: (listener) => transport.subscribe((event) => listener(event as GroveEvent)),
  };
}
