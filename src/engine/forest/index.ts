// The forest layer's BTM math (btm.md): domain posterior and ensemble, cached priors, averaging weights
// and branch inits, merge methods, c-BTM routing. Everything here works on log-probabilities and tensors
// (the catalog-backed parts, priors kept, lineage, the forest's experts, live in src/app/forest); the score graphs that produce the log-probabilities live in graph/ and runtime/.
export * from './distribution';
export * from './posterior';
export * from './prior';
export * from './prior-over';
export * from './weights';
export * from './cluster-routing';
export * from './merge/method';
export * from './merge/merge-models';
export * from './merge/tensor-method';
export * from './merge/registry';
