// The one module that imports onnxruntime-node: sessions, tensors and what this machine's build offers.
import * as ort from 'onnxruntime-node';

export { ort };
export type OrtTensor = ort.Tensor;
export type OrtSession = ort.InferenceSession;

export const onnxruntimeVersion: string = ort.env.versions.common ?? 'unknown';

export interface ProviderInfo {
  name: string;
  available: boolean;
  reason?: string;
}

/** Execution providers this build of onnxruntime-node was compiled with (not yet probed on a device). */
export function compiledProviders(): ProviderInfo[] {
  const backends = ort.listSupportedBackends?.() ?? [{ name: 'cpu', bundled: true }];
  return backends.map((b) => ({
    name: b.name,
    available: b.bundled,
    ...(b.bundled ? {} : { reason: 'its provider libraries are not installed (run `npm run setup:gpu` with internet access)' }),
  }));
}

export interface SessionOptions {
  /** Intra-op threads; 0 lets ONNX Runtime decide. */
  threads?: number;
  providers?: string[];
  /** ONNX Runtime's CPU memory arena (default on): freed blocks are kept for reuse, never returned to the OS. */
  memoryArena?: boolean;
  /** Pre-plan one allocation for a run's intermediate tensors from the first run's shapes (default on). */
  memoryPattern?: boolean;
  /** Write ONNX Runtime's op-by-op profile (JSON) to files starting with this prefix. */
  profilePrefix?: string;
  /** ONNX Runtime's graph optimizations (default 'all'); 'disabled' runs the graph's own ops, unfused (tests of exact math). */
  optimization?: 'all' | 'disabled';
}

export async function createSession(model: Uint8Array | string, options: SessionOptions = {}): Promise<ort.InferenceSession> {
  const opts: ort.InferenceSession.SessionOptions = {
    executionProviders: options.providers ?? ['cpu'],
    graphOptimizationLevel: options.optimization ?? 'all',
    ...(options.threads ? { intraOpNumThreads: options.threads, interOpNumThreads: 1 } : {}),
    ...(options.memoryArena === undefined ? {} : { enableCpuMemArena: options.memoryArena }),
    ...(options.memoryPattern === undefined ? {} : { enableMemPattern: options.memoryPattern }),
    ...(options.profilePrefix ? { enableProfiling: true, profileFilePrefix: options.profilePrefix } : {}),
    // Idle intra-op threads spin while a run lasts (no wake-up between its ops) and stop when it returns
    // (session.force_spinning_stop). Left spinning after a run, as by default, they take the cores from
    // whatever runs next (Node's own work between decode steps, another expert's session); not spinning at
    // all, each op of a small run pays a wake-up. Measured on 2 cores, 2 threads, SmolLM2-135M greedy
    // decode, tok/s: not spinning -> spinning within runs, 4-bit 137.9 -> 203.9, 8-bit 128.2 -> 161.1, f32
    // 72.9 -> 78.2; an ensemble of 4 small experts, spinning by default -> within runs, 37.4 -> 133.9.
    // Training steps measured the same either way.
    extra: { session: { force_spinning_stop: '1' } },
  };
  return typeof model === 'string' ? ort.InferenceSession.create(model, opts) : ort.InferenceSession.create(model, opts);
}
