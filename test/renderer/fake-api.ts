// A GroveApi for component tests: every call answers 'unsupported' unless the test gives it an answer, calls
// are recorded, and the test pushes engine events. (The real engine runs in the e2e tests.)
import { vi } from 'vitest';
import { API_METHODS, GroveError, type GroveApi, type GroveEvent, type GroveEventListener } from '../../src/shared/api';

export type FakeApi = GroveApi & { emit(event: GroveEvent): void; listeners: Set<GroveEventListener> };

export function fakeApi(answers: Partial<Record<keyof GroveApi, (input: never) => unknown>> = {}): FakeApi {
  const listeners = new Set<GroveEventListener>();
  const calls = Object.fromEntries(
    API_METHODS.map((m) => [
      m,
      vi.fn(async (input: never) => {
        const answer = answers[m];
        if (!answer) throw new GroveError('unsupported', `${m} is not answered in this test.`);
        return answer(input);
      }),
    ]),
  );
  return {
    ...(calls as unknown as GroveApi),
    listeners,
    onEvent: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit: (event) => {
      for (const l of listeners) l(event);
    },
  };
}
