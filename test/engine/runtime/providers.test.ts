import { describe, expect, it } from 'vitest';
import {
  autoOrder,
  chooseProvider,
  probeProvider,
  PROVIDERS,
  readableError,
  usableProviders,
  type ProviderName,
} from '../../../src/engine/runtime/providers';
import { compiledProviders } from '../../../src/engine/runtime/ort';

describe('execution providers', () => {
  it('always has a working CPU provider', async () => {
    await expect(probeProvider('cpu')).resolves.toEqual({ name: 'cpu', usable: true });
    await expect(chooseProvider('cpu')).resolves.toEqual({ provider: 'cpu', probes: [] });
  });

  it('orders GPU providers per platform', () => {
    expect(autoOrder('linux')).toEqual(['cuda', 'webgpu']);
    expect(autoOrder('win32')).toContain('dml');
    expect(autoOrder('darwin')).toContain('coreml');
  });

  it('names the reason when a provider is not compiled into this build', async () => {
    const probe = await probeProvider('coreml');
    if (process.platform === 'darwin') return; // CoreML exists there
    expect(probe.usable).toBe(false);
    expect(probe.reason).toMatch(/has no coreml provider/);
  });

  it('falls back to CPU with a reason when a requested GPU provider cannot run', async () => {
    const cuda = await probeProvider('cuda');
    const choice = await chooseProvider('cuda');
    if (cuda.usable) {
      expect(choice).toMatchObject({ provider: 'cuda' });
      return;
    }
    expect(choice.provider).toBe('cpu');
    expect(choice.fallback).toContain('cuda');
    expect(choice.fallback).toMatch(/using CPU instead$/);
  });

  it("'auto' picks a usable GPU provider, or CPU saying why", async () => {
    const choice = await chooseProvider('auto');
    const gpuUsable = choice.probes.some((p) => p.usable);
    expect(choice.provider === 'cpu').toBe(!gpuUsable);
    if (!gpuUsable) expect(choice.fallback).toMatch(/no GPU provider is usable here/);
    expect(compiledProviders().map((p) => p.name)).toContain('cpu');
  });

  it('offers as available only the providers that ran the test graph here, with the reason for the others', async () => {
    const offered = await usableProviders();
    expect(offered.find((p) => p.name === 'cpu')).toEqual({ name: 'cpu', available: true });
    for (const p of offered) {
      if (p.name === 'cpu' || !(PROVIDERS as readonly string[]).includes(p.name)) continue;
      expect(p.available).toBe((await probeProvider(p.name as ProviderName)).usable);
      if (!p.available) expect(p.reason).toMatch(/\w/);
    }
  });

  it('keeps the readable part of an ONNX Runtime error', () => {
    expect(
      readableError(
        new Error(
          '/onnxruntime_src/onnxruntime/core/providers/webgpu/webgpu_context.cc:136 onnxruntime::webgpu::WebGpuContext::Initialize(x)::<lambda()> a == b was false. Failed to get a WebGPU adapter: No supported adapters',
        ),
      ),
    ).toBe('Failed to get a WebGPU adapter: No supported adapters');
    expect(readableError(new Error('/src/core/session.cc:12 onnxruntime::Init Could not load the library\nsecond line'))).toBe(
      'Could not load the library',
    );
  });
});
