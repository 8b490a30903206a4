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
  /**
   * Let idle intra-op threads spin (ONNX Runtime's default, true). Spinning threads compete with every other
   * thread for the cores: for many small runs (token-by-token decoding) on a machine with no spare core
   * they cost more than the wake-up they save (measured: M=1 MatMuls at 2 threads on 2 cores ran at half
   * the speed of 1 thread with spinning, and at the speed of 1 thread without).
   */
  spinning?: boolean;
}

export async function createSession(model: Uint8Array | string, options: SessionOptions = {}): Promise<ort.InferenceSession> {
  const opts: ort.InferenceSession.SessionOptions = {
    executionProviders: options.providers ?? ['cpu'],
    graphOptimizationLevel: 'all',
    ...(options.threads ? { intraOpNumThreads: options.threads, interOpNumThreads: 1 } : {}),
    ...(options.memoryArena === undefined ? {} : { enableCpuMemArena: options.memoryArena }),
    ...(options.memoryPattern === undefined ? {} : { enableMemPattern: options.memoryPattern }),
    ...(options.profilePrefix ? { enableProfiling: true, profileFilePrefix: options.profilePrefix } : {}),
    ...(options.spinning === false ? { extra: { session: { intra_op: { allow_spinning: '0' } } } } : {}),
  };
  return typeof model === 'string' ? ort.InferenceSession.create(model, opts) : ort.InferenceSession.create(model, opts);
}
