// Weights that are NaN or infinite poison everything they touch: one such value in an average makes the whole
// averaged tensor NaN, and a model with one runs to NaN logits. Checked as the values stream past (import,
// branch, collapse), so the error names the model file and the tensor instead of a ruined result.
import { GroveError } from '../../shared/api/errors';

/** Throws a GroveError naming `tensor` of `where` if a value of `values` (elements from `offset`) is NaN or infinite. */
export function assertFinite(values: Float32Array, tensor: string, where: string, offset = 0): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    // v - v is 0 for every finite v and NaN for NaN and ±Infinity: one comparison per element.
    if (v - v !== 0) {
      throw new GroveError(
        'bad_input',
        `${where}: tensor "${tensor}" holds ${Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity'} at element ${offset + i}; such a weight would poison every result computed from it, so Grove neither stores nor averages it. Use a model whose weights are all finite numbers (if this one came from training, the run diverged: train it again with a lower learning rate).`,
        { tensor, element: offset + i, path: where },
      );
    }
  }
}
