// The forest layer's BTM math (btm.md): domain posterior and ensemble, cached priors, averaging weights
// and branch inits, merge methods, lineage, c-BTM routing. Everything here works on log-probabilities
// and catalog rows; the score graphs that produce the log-probabilities live in graph/ and runtime/.
export * from './distribution';
export * from './posterior';
export * from './prior';
export * from '../../app/forest/prior-store';
export * from './weights';
export * from '../../app/forest/experts';
export * from '../../app/forest/lineage';
export * from './cluster-routing';
export * from './merge/method';
export * from './merge/merge-models';
export * from './merge/tensor-method';
export * from './merge/registry';
