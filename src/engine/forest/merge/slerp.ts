// SLERP (mergekit's `slerp`): spherical interpolation between two models, tensor by tensor: the angle
// between the tensors (as unit vectors) is walked a share t from the first model to the second; nearly
// parallel tensors (|cos| > 0.9995) are interpolated linearly.
import { checkLengths, type TensorMergeMethod } from './tensor-method';

const PARALLEL = 0.9995;
const EPS = 1e-8;

export const slerp: TensorMergeMethod = {
  name: 'slerp',
  description: 'Walks the sphere from the first model towards the second, a share t of the way (two models).',
  paper: {
    title: 'Animating rotation with quaternion curves (Shoemake, 1985), as mergekit applies it to models',
    url: 'https://github.com/arcee-ai/mergekit',
  },
  parameters: [
    {
      name: 't',
      type: 'number',
      perModel: false,
      min: 0,
      max: 1,
      description: 'how far from the first model towards the second (0: the first, 1: the second)',
    },
  ],
  elementwise: false,
  needsBase: false,
  models: { min: 2, max: 2 },
  mergeTensor(inputs, params) {
    const n = checkLengths('slerp', inputs);
    const [a, b] = inputs.models as [Float32Array, Float32Array];
    const t = params.global.t as number;
    let na = 0;
    let nb = 0;
    let dot = 0;
    for (let i = 0; i < n; i++) {
      na += a[i]! * a[i]!;
      nb += b[i]! * b[i]!;
      dot += a[i]! * b[i]!;
    }
    na = Math.sqrt(na);
    nb = Math.sqrt(nb);
    const cos = dot / ((na > EPS ? na : 1) * (nb > EPS ? nb : 1));
    let s0 = 1 - t;
    let s1 = t;
    if (Math.abs(cos) <= PARALLEL) {
      const theta = Math.acos(cos);
      s0 = Math.sin(theta - theta * t) / Math.sin(theta);
      s1 = Math.sin(theta * t) / Math.sin(theta);
    }
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = s0 * a[i]! + s1 * b[i]!;
    return out;
  },
};
