// The shape of what the preload exposes, for the renderer's type checker.
import type { GroveTransport } from '../shared/api/envelope';

declare global {
  interface Window {
    groveBridge?: GroveTransport & { methods: readonly string[] };
  }
}
export {};
