// A full garbage collection on demand. onnxruntime-node 1.30 hands every fetched output back as a fresh
// ArrayBuffer, even one it wrote into a preallocated buffer, so each training run leaves a copy of the
// gradients (540 MB on SmolLM2-135M) for V8 to collect whenever its heuristics say; until then it sits beside
// the next run's activations. A trainer that must stay small collects it as soon as the run returns. Node
// exposes gc() only under --expose-gc; the flag can be set at run time, and a new context then has gc.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Gc = () => void;

let gc: Gc | undefined;

export function collectGarbage(): void {
  if (!gc) {
    const exposed = (globalThis as { gc?: Gc }).gc;
    if (exposed) gc = exposed;
    else {
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as Gc;
    }
  }
  gc();
}
