// TIES (Yadav et al., 2023; mergekit's `ties`): trim each task vector to its largest `density` share,
// elect a sign per entry from the weighted sum, and average only the entries that agree with it.
import { DENSITY, mergeTaskVectors, normalizeParameter, WEIGHT } from './task-vectors';
import type { TensorMergeMethod } from './tensor-method';

export const ties: TensorMergeMethod = {
  name: 'ties',
  description: 'Trims each expert’s task vector to its largest entries, elects a sign per parameter, and averages the entries that agree.',
  paper: {
    title: 'TIES-Merging: Resolving Interference When Merging Models (Yadav et al., 2023)',
    url: 'https://arxiv.org/abs/2306.01708',
  },
  parameters: [WEIGHT, DENSITY, normalizeParameter(true)],
  elementwise: false,
  needsBase: true,
  models: { min: 1 },
  mergeTensor: (inputs, params) => mergeTaskVectors('ties', inputs, params, { sparsify: 'magnitude', signElection: true }),
};
