// The one table of vector-Jacobian rules, keyed by ONNX op type. A rule gets the forward node, the
// gradients of its outputs and which inputs need one, and returns the gradient of each input.
import type { OnnxNode } from '../onnx/encode';
import type { Emitter } from './emitter';
import { elementwiseRules } from './rules/elementwise';
import { indexingRules } from './rules/indexing';
import { linalgRules } from './rules/linalg';
import { shapeRules } from './rules/shape';

export interface AutodiffOptions {
  /** How Gather's table gradient is formed: ScatterND add (default) or a one-hot MatMul. */
  embeddingGrad?: 'scatter' | 'onehot';
}

export interface VjpContext {
  e: Emitter;
  node: OnnxNode;
  /** dL/d(output i), undefined where no gradient reaches that output. At least one is defined. */
  gy: readonly (string | undefined)[];
  /** Whether input i needs a gradient (depends on a parameter and reaches the loss). */
  wants: readonly boolean[];
  options: AutodiffOptions;
}

/** Returns dL/d(input i) for each input (undefined where not wanted). */
export type VjpRule = (c: VjpContext) => (string | undefined)[];

export const VJP_RULES: Readonly<Record<string, VjpRule>> = {
  ...elementwiseRules,
  ...linalgRules,
  ...shapeRules,
  ...indexingRules,
};

/** Ops whose outputs never carry a gradient (integer or boolean results, shapes). */
export const NON_DIFFERENTIABLE = new Set(['Shape', 'Range', 'Greater', 'Less', 'Equal', 'ConstantOfShape', 'Not', 'And', 'Or', 'OneHot']);
