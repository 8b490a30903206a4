// Grove's logits for test/golden/peft_interop.py: a Hugging Face model folder run by Grove on the given token ids,
// with --adapter a PEFT adapter folder taken as `grove import-adapter` takes one (test/helpers/peft-logits.ts).
// Writes JSON [T][V]. Not a vitest test: it is run beside transformers + peft where those are installed.
//   npx jiti test/golden/grove_logits.ts --model BASE [--adapter DIR] --tokens ids.json --out logits.json
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { peftAdapterLogits } from '../helpers/peft-logits';

const { values } = parseArgs({
  options: { model: { type: 'string' }, adapter: { type: 'string' }, tokens: { type: 'string' }, out: { type: 'string' } },
});
if (!values.model || !values.tokens || !values.out) {
  console.error('usage: npx jiti test/golden/grove_logits.ts --model BASE [--adapter DIR] --tokens ids.json --out logits.json');
  process.exit(2);
}
const parsed = JSON.parse(readFileSync(values.tokens, 'utf8')) as number[] | number[][];
const ids = (Array.isArray(parsed[0]) ? parsed[0] : parsed) as number[];
const logits = await peftAdapterLogits(values.model, values.adapter, ids);
const V = logits.length / ids.length;
writeFileSync(values.out, JSON.stringify(ids.map((_, t) => Array.from(logits.subarray(t * V, (t + 1) * V)))));
console.log(JSON.stringify({ model: values.model, adapter: values.adapter ?? null, tokens: ids.length, vocab: V, out: values.out }));
