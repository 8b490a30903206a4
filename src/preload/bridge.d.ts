// The shape of what the preload exposes, for the renderer's type checker.
import type { DesktopBridge } from '../shared/api/desktop';
import type { GroveTransport } from '../shared/api/envelope';

declare global {
  interface Window {
    groveBridge?: GroveTransport & { methods: readonly string[] };
    /** Only in Electron: native folder dialog and dropped-file paths. */
    groveDesktop?: DesktopBridge;
  }
}
export {};
