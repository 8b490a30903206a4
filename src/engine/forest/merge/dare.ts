// DARE (Yu et al., 2024; mergekit's `dare_linear` and `dare_ties`): drop each task-vector entry at random
// with probability 1 - density and rescale the rest by 1/density, then add them as task arithmetic does, or
// with TIES's sign election. Seeded per tensor and model: the same seed gives the same model.
import { DENSITY, mergeTaskVectors, normalizeParameter, RESCALE, WEIGHT } from './task-vectors';
import type { TensorMergeMethod } from './tensor-method';

const paper = {
  title: 'Language Models are Super Mario: Absorbing Abilities from Homologous Models as a Free Lunch (Yu et al., 2024)',
  url: 'https://arxiv.org/abs/2311.03099',
};

export const dareLinear: TensorMergeMethod = {
  name: 'dare_linear',
  description:
    'Drops task-vector entries at random (keeping the density share, rescaled), then adds the weighted task vectors to the seed.',
  paper,
  parameters: [WEIGHT, DENSITY, normalizeParameter(false), RESCALE],
  elementwise: false,
  needsBase: true,
  models: { min: 1 },
  mergeTensor: (inputs, params) => mergeTaskVectors('dare_linear', inputs, params, { sparsify: 'random', signElection: false }),
};

export const dareTies: TensorMergeMethod = {
  name: 'dare_ties',
  description: 'Drops task-vector entries at random (keeping the density share, rescaled), then merges them with TIES’s sign election.',
  paper,
  parameters: [WEIGHT, DENSITY, normalizeParameter(false), RESCALE],
  elementwise: false,
  needsBase: true,
  models: { min: 1 },
  mergeTensor: (inputs, params) => mergeTaskVectors('dare_ties', inputs, params, { sparsify: 'random', signElection: true }),
};
