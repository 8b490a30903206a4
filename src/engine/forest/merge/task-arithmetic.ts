// Task arithmetic (Ilharco et al., 2023; mergekit's `task_arithmetic`): base + sum_j w_j (theta_j - base).
import { mergeTaskVectors, normalizeParameter, WEIGHT } from './task-vectors';
import type { TensorMergeMethod } from './tensor-method';

export const taskArithmetic: TensorMergeMethod = {
  name: 'task_arithmetic',
  description: 'Adds each expert’s task vector (its difference from the seed), weighted, to the seed.',
  paper: { title: 'Editing Models with Task Arithmetic (Ilharco et al., 2023)', url: 'https://arxiv.org/abs/2212.04089' },
  parameters: [WEIGHT, normalizeParameter(false)],
  elementwise: true,
  needsBase: true,
  models: { min: 1 },
  mergeTensor: (inputs, params) => mergeTaskVectors('task_arithmetic', inputs, params, { sparsify: 'none', signElection: false }),
};
