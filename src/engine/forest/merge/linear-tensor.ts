// Linear merge of one tensor (mergekit's `linear`; BTM's parameter average and Grove's collapse):
// sum_j w_j * theta_j, divided by sum_j w_j when `normalize` (the default), accumulated in float64.
import { GroveError } from '../../../shared/api/errors';
import { checkLengths, type TensorMergeMethod } from './tensor-method';

export const linearTensor: TensorMergeMethod = {
  name: 'linear',
  description: 'The weighted average of the models’ parameters: what BTM calls collapsing the forest.',
  paper: { title: 'Model soups (Wortsman et al., 2022); Branch-Train-Merge (Li et al., 2022)', url: 'https://arxiv.org/abs/2203.05482' },
  parameters: [
    {
      name: 'weight',
      type: 'number',
      perModel: true,
      min: 0,
      description: 'how much of this model goes into the average (posterior, uniform or your own weights)',
    },
    {
      name: 'normalize',
      type: 'boolean',
      perModel: false,
      default: true,
      description: 'divide by the sum of the weights, so that they need not sum to 1',
    },
  ],
  elementwise: true,
  needsBase: false,
  models: { min: 1 },
  mergeTensor(inputs, params) {
    const n = checkLengths('linear', inputs);
    const w = params.perModel.weight!;
    const sum = w.reduce((a, b) => a + b, 0);
    if (params.global.normalize === true && sum === 0)
      throw new GroveError('bad_input', 'merge linear: every weight is 0. Give at least one model a positive weight.');
    const scale = params.global.normalize === true ? 1 / sum : 1;
    const acc = new Float64Array(n);
    inputs.models.forEach((t, j) => {
      const wj = w[j]! * scale;
      if (wj !== 0) for (let i = 0; i < n; i++) acc[i]! += wj * t[i]!;
    });
    return Float32Array.from(acc);
  },
};
