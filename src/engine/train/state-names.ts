// The names of a training run's state tensors, as graph inputs and outputs and in checkpoints: a parameter
// by its own name, its AdamW moments as optimizer.m.<name> / optimizer.v.<name>, a "new." prefix for the
// value a step outputs. Apart from the graphs (train-graph.ts) so that what only needs the names (the
// estimates of a checkpoint's size) does not load the graph builder.
export const stateName = (kind: 'param' | 'm' | 'v', name: string, next = false): string =>
  `${next ? 'new.' : ''}${kind === 'param' ? '' : `optimizer.${kind}.`}${name}`;

/** Gradient-accumulator names: "grad.<name>" in, "new.grad.<name>" out. */
export const gradName = (name: string, next = false): string => `${next ? 'new.' : ''}grad.${name}`;
