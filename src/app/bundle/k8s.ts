// An expert bundle as a Kubernetes Job (docs/bundle.md "On Kubernetes"): one pod that runs
// `grove bundle run /bundle` on the bundle's folder mounted at /bundle (a PersistentVolumeClaim, or a host
// path on a one-node cluster). The pod restarts in place on failure (restartPolicy OnFailure, backoffLimit
// tries) and each start resumes from the bundle's last checkpoint; on deletion Kubernetes sends SIGTERM, which
// `grove bundle run` answers with a checkpoint within the grace period. GPUs are asked as `nvidia.com/gpu`.
import { GroveError } from '../../shared/api/errors';
import type { BundleManifest } from './manifest';

export const BUNDLE_MOUNT = '/bundle';

export interface KubernetesJobOptions {
  image: string;
  /** nvidia.com/gpu per pod (0: none; the run then trains on the CPU). */
  gpus: number;
  cpu: string;
  memory: string;
  /** The bundle's volume: a PersistentVolumeClaim holding the bundle at its root... */
  claim?: string;
  /** ...or a folder on the node (a one-node cluster, a shared mount on every node). */
  hostPath?: string;
  namespace?: string;
  /** Pod restarts before the Job fails; each resumes from the last checkpoint. */
  backoffLimit: number;
  /** Seconds between SIGTERM and SIGKILL: enough for a checkpoint of the model. */
  gracePeriodSeconds: number;
}

/** A DNS-1123 label from the expert's name and run: lowercase letters, digits and '-', at most 63 characters. */
export function jobName(m: BundleManifest): string {
  const base =
    m.expert.name
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'expert';
  return `grove-${base}`.slice(0, 50).replace(/-+$/, '') + `-run-${m.expert.runId}`;
}

/** The batch/v1 Job for the bundle, as a plain object (kubectl takes it as JSON). */
export function kubernetesJob(m: BundleManifest, o: KubernetesJobOptions): Record<string, unknown> {
  if ((o.claim === undefined) === (o.hostPath === undefined))
    throw new GroveError(
      'bad_input',
      'Say where the pod finds the bundle: --claim NAME (a PersistentVolumeClaim holding it) or --host-path DIR (a folder on the node), one of them.',
    );
  if (!Number.isInteger(o.gpus) || o.gpus < 0)
    throw new GroveError('bad_input', `--gpus takes a whole number of GPUs (0 or more), not ${o.gpus}.`);
  const name = jobName(m);
  const labels = {
    'app.kubernetes.io/name': 'grove',
    'app.kubernetes.io/component': 'expert-bundle',
    'grove/expert': name.slice(0, 63),
    'grove/run': String(m.expert.runId),
  };
  const gpu = o.gpus > 0 ? { 'nvidia.com/gpu': String(o.gpus) } : {};
  const volume =
    o.claim !== undefined
      ? { name: 'bundle', persistentVolumeClaim: { claimName: o.claim } }
      : { name: 'bundle', hostPath: { path: o.hostPath!, type: 'Directory' } };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      ...(o.namespace ? { namespace: o.namespace } : {}),
      labels,
      annotations: {
        'grove/bundle-format': `${m.format}/${m.version}`,
        'grove/expert-name': m.expert.name,
        'grove/domain': m.expert.domain,
      },
    },
    spec: {
      backoffLimit: o.backoffLimit,
      completions: 1,
      parallelism: 1,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'OnFailure',
          terminationGracePeriodSeconds: o.gracePeriodSeconds,
          ...(o.gpus > 0 ? { tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }] } : {}),
          containers: [
            {
              name: 'train',
              image: o.image,
              command: ['grove', 'bundle', 'run', BUNDLE_MOUNT, '--device', o.gpus > 0 ? 'cuda' : 'cpu'],
              env: [{ name: 'GROVE_HOME', value: '/tmp/grove' }],
              resources: { requests: { cpu: o.cpu, memory: o.memory, ...gpu }, limits: { memory: o.memory, ...gpu } },
              volumeMounts: [{ name: 'bundle', mountPath: BUNDLE_MOUNT }],
            },
          ],
          volumes: [volume],
        },
      },
    },
  };
}

/**
 * The image: this repository built in a Node 20 image (the CLI and the job worker, `npm run build`), with
 * `grove` on the PATH; CUDA images pass BASE (an image with Node 20, CUDA 12 and cuDNN 9) and GPU=1, which
 * lets Grove's postinstall fetch ONNX Runtime's CUDA provider (a CPU image skips it). Built from the repository's root: `docker build -f Dockerfile <repo>`.
 */
export const DOCKERFILE = `# Grove's image for \`grove bundle run\` (written by \`grove bundle k8s\`; see docs/bundle.md).
# Build it from the root of the Grove repository:
#   docker build -t grove:latest -f path/to/this/Dockerfile .
# For NVIDIA GPUs: --build-arg GPU=1 (fetches ONNX Runtime's CUDA provider) and --build-arg BASE=<an image with
# Node 20, CUDA 12 and cuDNN 9>; the cluster needs NVIDIA's device plugin.
ARG BASE=node:20-bookworm
FROM \${BASE}
ARG GPU=0
ENV ELECTRON_SKIP_BINARY_DOWNLOAD=1 \\
    GROVE_HOME=/tmp/grove
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ ca-certificates && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/grove
COPY package.json package-lock.json ./
COPY scripts ./scripts
# Grove's postinstall fetches ONNX Runtime's CUDA provider (about 300 MB) unless told to skip it: only for GPU=1.
RUN if [ "$GPU" = "1" ]; then npm ci; else ONNXRUNTIME_NODE_INSTALL=skip npm ci; fi
COPY . .
RUN npm run build && ln -s /opt/grove/bin/grove.js /usr/local/bin/grove
ENTRYPOINT []
CMD ["grove", "bundle", "run", "/bundle"]
`;

/** What the Docker build leaves out of its context (node_modules is installed in the image, out/ built there). */
export const DOCKERIGNORE = `node_modules
out
dist
test-artifacts
.git
`;
