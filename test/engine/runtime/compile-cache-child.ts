// A worker opening a model folder (test/engine/runtime/llama-model.test.ts): it compiles the score graph into
// the folder's cache if no one has, scores a few tokens, and prints their log-probabilities.
import { LlamaModel } from '../../../src/engine/runtime/llama-model';

const folder = process.argv[2] as string;
const model = await LlamaModel.open(folder, { threads: 1 });
const lp = await model.score([1, 2, 3, 4], [2, 3, 4, 5], 1);
await model.close();
console.log(JSON.stringify([...lp]));
