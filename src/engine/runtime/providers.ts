// Execution-provider choice: what this machine can really run (probed with a one-node graph), which one
// 'auto' picks, and the CPU fallback with the reason said out loud, never silently.
import { encodeModel } from '../graph/onnx/encode';
import { compiledProviders, type ProviderInfo, createSession, ort } from './ort';

export const PROVIDERS = ['cpu', 'cuda', 'webgpu', 'dml', 'coreml'] as const;
export type ProviderName = (typeof PROVIDERS)[number];
export type ProviderPreference = ProviderName | 'auto';

export interface ProviderProbe {
  name: ProviderName;
  usable: boolean;
  /** Why it cannot be used here, in words a person can act on. */
  reason?: string;
}

/** GPU providers worth trying on each platform, best first. */
export function autoOrder(platform: NodeJS.Platform = process.platform): ProviderName[] {
  if (platform === 'win32') return ['cuda', 'dml', 'webgpu'];
  if (platform === 'darwin') return ['webgpu', 'coreml'];
  return ['cuda', 'webgpu'];
}

const probeModel = encodeModel({
  graph: {
    name: 'probe',
    nodes: [{ opType: 'Add', inputs: ['x', 'x'], outputs: ['y'] }],
    inputs: [{ name: 'x', type: 'float32', shape: [4] }],
    outputs: [{ name: 'y', type: 'float32', shape: [4] }],
  },
});

const cache = new Map<ProviderName, Promise<ProviderProbe>>();

/**
 * The readable part of an ONNX Runtime error: its first line without the C++ source location and the failed
 * assertion ("/onnxruntime_src/...cc:136 onnxruntime::...::<lambda()> x == y was false. Failed to get a WebGPU
 * adapter: ..." says "Failed to get a WebGPU adapter: ...").
 */
export function readableError(err: unknown): string {
  const line = (err instanceof Error ? err.message : String(err)).split('\n')[0]?.trim() ?? '';
  const afterAssert = / was false\. (.+)$/.exec(line)?.[1];
  const text = afterAssert ?? line.replace(/^\S+\.(cc|cpp|h):\d+ \S+ /, '');
  return text.slice(0, 200) || 'unknown error';
}

async function runProbe(name: ProviderName): Promise<ProviderProbe> {
  if (name === 'cpu') return { name, usable: true };
  const compiled = compiledProviders().find((p) => p.name === name);
  if (!compiled)
    return {
      name,
      usable: false,
      reason: `this build of onnxruntime-node for ${process.platform}/${process.arch} has no ${name} provider`,
    };
  if (!compiled.available) return { name, usable: false, reason: `${name}: ${compiled.reason ?? 'not installed'}` };
  try {
    const session = await createSession(probeModel, { providers: [name] });
    const x = new ort.Tensor('float32', new Float32Array([1, 2, 3, 4]), [4]);
    const { y } = await session.run({ x });
    await session.release();
    if ((y?.data as Float32Array | undefined)?.[3] !== 8)
      return { name, usable: false, reason: `${name} returned a wrong result on a test graph` };
    return { name, usable: true };
  } catch (err) {
    return { name, usable: false, reason: `${name} failed to start: ${readableError(err)}` };
  }
}

/** Probes a provider once per process (a GPU probe can take a second). */
export function probeProvider(name: ProviderName): Promise<ProviderProbe> {
  let probe = cache.get(name);
  if (!probe) {
    probe = runProbe(name);
    cache.set(name, probe);
  }
  return probe;
}

export interface ProviderChoice {
  provider: ProviderName;
  /** Set when the preference could not be honoured: why, and what was used instead. */
  fallback?: string;
  probes: ProviderProbe[];
}

/** Resolves a preference to a usable provider. 'auto' takes the first usable GPU provider, else CPU. */
export async function chooseProvider(preference: ProviderPreference): Promise<ProviderChoice> {
  const candidates = preference === 'auto' ? autoOrder() : preference === 'cpu' ? [] : [preference];
  const probes: ProviderProbe[] = [];
  for (const name of candidates) {
    const probe = await probeProvider(name);
    probes.push(probe);
    if (probe.usable) return { provider: name, probes };
  }
  if (preference === 'auto' || preference === 'cpu') {
    const fallback =
      preference === 'auto' && probes.length > 0
        ? `no GPU provider is usable here (${probes.map((p) => p.reason).join('; ')}); using CPU`
        : undefined;
    return { provider: 'cpu', probes, ...(fallback ? { fallback } : {}) };
  }
  return { provider: 'cpu', probes, fallback: `${probes[0]?.reason ?? `${preference} is unavailable`}; using CPU instead` };
}

/**
 * What the UI offers as devices: each provider compiled into this build, marked available only when it
 * actually ran a test graph here (a compiled WebGPU provider with no adapter is not a device), with the reason.
 */
export async function usableProviders(): Promise<ProviderInfo[]> {
  return Promise.all(
    compiledProviders().map(async (p) => {
      if (!p.available || !(PROVIDERS as readonly string[]).includes(p.name)) return p;
      const probe = await probeProvider(p.name as ProviderName);
      return { name: p.name, available: probe.usable, ...(probe.reason ? { reason: probe.reason } : {}) };
    }),
  );
}
