// The model layer's public surface: config, HF tensor names, init, rope, safetensors I/O, averaging.
export * from './config';
export * from './names';
export * from './init';
export * from './rope';
export * from './rng';
export * from './dtype';
export * from './safetensors';
export * from './safetensors-write';
export * from './sharded';
export * from './folder';
export * from './average';
