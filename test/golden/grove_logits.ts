// Grove's logits for test/golden/peft_interop.py: a Hugging Face model folder run by Grove on the given token ids,
// with --adapter a PEFT adapter folder taken as `grove import-adapter` takes one (read and checked against the
// base by model/peft-import.ts, written as Grove stores adapters) and run as Grove runs a light expert (the base
// with the adapter fed). Writes JSON [T][V]. Not a vitest test: the lead runs it beside transformers + peft.
//   npx jiti test/golden/grove_logits.ts --model BASE [--adapter DIR] --tokens ids.json --out logits.json
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeAdapterFolder } from '../../src/engine/model/adapter-folder';
import { readConfigFile } from '../../src/engine/model/folder';
import { importPeftAdapter } from '../../src/engine/model/peft-import';
import { loadAdapter } from '../../src/engine/runtime/adapter-feeds';
import { LlamaModel } from '../../src/engine/runtime/llama-model';

const { values } = parseArgs({ options: { model: { type: 'string' }, adapter: { type: 'string' }, tokens: { type: 'string' }, out: { type: 'string' } } });
if (!values.model || !values.tokens || !values.out) {
  console.error('usage: npx jiti test/golden/grove_logits.ts --model BASE [--adapter DIR] --tokens ids.json --out logits.json');
  process.exit(2);
}
const parsed = JSON.parse(readFileSync(values.tokens, 'utf8')) as number[] | number[][];
const ids = (Array.isArray(parsed[0]) ? parsed[0] : parsed) as number[];
const { config } = await readConfigFile(values.model);
const scratch = mkdtempSync(join(tmpdir(), 'grove-logits-'));
const model = await LlamaModel.open(values.model, { threads: 2 });
try {
  let adapter;
  if (values.adapter) {
    const imported = await importPeftAdapter(values.adapter, values.model);
    await writeAdapterFolder(scratch, { config, lora: imported.lora, baseModel: imported.baseModel, tensors: imported.tensors });
    adapter = await loadAdapter(scratch, config);
  }
  const logits = await model.logits(ids, adapter);
  const V = logits.length / ids.length;
  writeFileSync(values.out, JSON.stringify(ids.map((_, t) => Array.from(logits.subarray(t * V, (t + 1) * V)))));
  console.log(JSON.stringify({ model: values.model, adapter: values.adapter ?? null, tokens: ids.length, vocab: V, out: values.out }));
} finally {
  await model.close();
  rmSync(scratch, { recursive: true, force: true });
}
