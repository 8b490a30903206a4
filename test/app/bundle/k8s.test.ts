// The Kubernetes Job of a bundle: a name Kubernetes takes for any expert name (DNS-1123, at most 63 characters),
// the volume from a claim or a host path (one, never both or neither), and the GPU only where asked; each Job
// checked against the Kubernetes schema (kubernetes-models' validate()).
import { Job } from 'kubernetes-models/batch/v1';
import { describe, expect, it } from 'vitest';
import { jobName, kubernetesJob, type KubernetesJobOptions } from '../../../src/app/bundle/k8s';
import { BundleManifest } from '../../../src/app/bundle/manifest';

function manifest(name: string, runId = 7): BundleManifest {
  return BundleManifest.parse({
    format: 'grove-expert-bundle',
    version: 1,
    createdAt: '2026-12-04T00:00:00.000Z',
    grove: { version: '0.1.0' },
    expert: { name, domain: 'law', modelId: 3, runId, forestId: 1, parents: [{ modelId: 1, weight: 1 }], note: null },
    start: { sha256: 'a'.repeat(64), folder: 'start' },
    light: null,
    tokenizerSha256: 'b'.repeat(64),
    training: { settings: { contextLength: 128, batchSize: 16, peakLr: 1e-3 }, budget: { steps: 10 }, device: 'auto' },
    files: {},
  });
}

const options: KubernetesJobOptions = {
  image: 'grove:1',
  gpus: 0,
  cpu: '2',
  memory: '8Gi',
  claim: 'bundles',
  backoffLimit: 6,
  gracePeriodSeconds: 120,
};

describe('kubernetesJob', () => {
  it('names the Job within DNS-1123 for any expert name', () => {
    for (const name of ['law', 'Law_Expert.v2', '___', 'x'.repeat(200), 'contrats-de-bail-commerciaux-et-baux-professionnels-2026']) {
      const n = jobName(manifest(name, 123456));
      expect(n.length).toBeLessThanOrEqual(63);
      expect(n).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      expect(() => new Job(kubernetesJob(manifest(name, 123456), options)).validate()).not.toThrow();
    }
  });

  it('asks for nvidia.com/gpu and trains on CUDA only with --gpus', () => {
    const gpu = JSON.stringify(kubernetesJob(manifest('law'), { ...options, gpus: 2 }));
    expect(gpu).toMatch(/"nvidia.com\/gpu":"2"/);
    expect(gpu).toMatch(/"--device","cuda"/);
    const cpu = JSON.stringify(kubernetesJob(manifest('law'), options));
    expect(cpu).not.toMatch(/nvidia/);
    expect(cpu).toMatch(/"--device","cpu"/);
  });

  it('mounts a host path, and refuses neither or both volumes and a fractional GPU count', () => {
    const { claim: _claim, ...noClaim } = options;
    const job = kubernetesJob(manifest('law'), { ...noClaim, hostPath: '/srv/bundles/law', namespace: 'training' });
    expect(() => new Job(job).validate()).not.toThrow();
    expect(JSON.stringify(job)).toMatch(/"hostPath":\{"path":"\/srv\/bundles\/law","type":"Directory"\}/);
    expect(() => kubernetesJob(manifest('law'), noClaim)).toThrow(/--claim NAME .* or --host-path DIR/);
    expect(() => kubernetesJob(manifest('law'), { ...options, hostPath: '/x' })).toThrow(/one of them/);
    expect(() => kubernetesJob(manifest('law'), { ...options, gpus: 0.5 })).toThrow(/whole number of GPUs/);
  });
});
