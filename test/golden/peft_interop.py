#!/usr/bin/env python3
"""PEFT interop of Grove's light experts, checked with Hugging Face `transformers` + `peft` themselves (not wired
into vitest: they are not installed where the tests run). Both directions:

  check  Grove -> PEFT. Loads a Hugging Face base model folder and a PEFT adapter folder that Grove exported
         (`grove export <light expert> --format peft --out DIR`) with PeftModel.from_pretrained, runs the token
         ids, and prints the max abs difference from Grove's logits of the same light expert on the same ids.
         Exits 1 when it is above --tolerance.
  make   PEFT -> Grove. Makes a PEFT LoRA adapter for a base (LoraConfig r=4, every projection: q, k, v, o,
         gate, up, down; B drawn nonzero, so it changes the model), saves it with save_pretrained (safetensors)
         and writes its logits on the token ids, for compare.
  compare  Grove's logits of that adapter, read as `grove import-adapter --from DIR` reads it (grove_logits.ts
         --adapter DIR), against make's; exits 1 above --tolerance.

Token ids: a JSON file [id, ...] (or [[id, ...]], the first row). Logits: .npy, or JSON [T][V] (a flat list of
T*V, or [1][T][V], is read too). Grove's logits of a model folder, with a PEFT adapter fed as Grove runs a light
expert, are written by test/golden/grove_logits.ts:
  npx jiti test/golden/grove_logits.ts --model BASE [--adapter DIR] --tokens ids.json --out grove.json

Usage:
  peft_interop.py check --base BASE --adapter DIR --tokens ids.json --logits grove.json [--tolerance 1e-4]
  peft_interop.py make --base BASE --out DIR --tokens ids.json --logits-out peft.json [--seed 0] [--std 0.02]
  peft_interop.py compare --tokens ids.json --logits grove.json --reference peft.json [--tolerance 1e-4]
"""
import argparse
import json
import sys

TARGETS = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj']


def read_ids(path):
    with open(path) as f:
        ids = json.load(f)
    return ids[0] if ids and isinstance(ids[0], list) else ids


def read_logits(path, rows):
    import numpy as np
    if path.endswith('.npy'):
        data = np.load(path)
    else:
        with open(path) as f:
            data = np.asarray(json.load(f), dtype=np.float32)
    return data.reshape(rows, -1).astype(np.float64)


def write_logits(path, logits):
    import numpy as np
    if path.endswith('.npy'):
        np.save(path, logits.astype(np.float32))
    else:
        with open(path, 'w') as f:
            json.dump(logits.tolist(), f)


def load_base(folder):
    import torch
    from transformers import AutoModelForCausalLM
    return AutoModelForCausalLM.from_pretrained(folder, torch_dtype=torch.float32, attn_implementation='eager')


def logits_of(model, ids):
    import torch
    model.eval()
    with torch.no_grad():
        return model(input_ids=torch.tensor([ids], dtype=torch.long)).logits[0].double().numpy()


def report(ours, theirs, tolerance, what):
    import numpy as np
    diff = float(np.max(np.abs(ours - theirs)))
    print(json.dumps({'compared': what, 'tokens': ours.shape[0], 'vocab': ours.shape[1], 'max_abs_diff': diff, 'tolerance': tolerance}))
    return 0 if diff <= tolerance else 1


def check(a):
    from peft import PeftModel
    ids = read_ids(a.tokens)
    model = PeftModel.from_pretrained(load_base(a.base), a.adapter)
    return report(logits_of(model, ids), read_logits(a.logits, len(ids)), a.tolerance, 'peft(base + Grove adapter) vs Grove')


def make(a):
    import torch
    from peft import LoraConfig, get_peft_model
    ids = read_ids(a.tokens)
    config = LoraConfig(r=4, lora_alpha=8, lora_dropout=0.0, target_modules=TARGETS, task_type='CAUSAL_LM')
    model = get_peft_model(load_base(a.base), config)
    generator = torch.Generator().manual_seed(a.seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if 'lora_B' in name:  # PEFT starts B at zero (the base unchanged): draw it, so the adapter matters
                p.copy_(torch.randn(p.shape, generator=generator) * a.std)
    model.save_pretrained(a.out, safe_serialization=True)
    write_logits(a.logits_out, logits_of(model, ids))
    print(json.dumps({'adapter': a.out, 'logits': a.logits_out, 'tokens': len(ids)}))
    return 0


def compare(a):
    rows = len(read_ids(a.tokens))
    return report(read_logits(a.logits, rows), read_logits(a.reference, rows), a.tolerance, 'Grove vs reference')


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0], epilog=__doc__.split('\n\n', 1)[1], formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest='command', required=True)
    c = sub.add_parser('check', help="Grove's PEFT export loaded by PEFT: max abs difference from Grove's logits")
    c.add_argument('--base', required=True, help='Hugging Face base model folder (config.json, safetensors)')
    c.add_argument('--adapter', required=True, help='the PEFT adapter folder Grove exported')
    c.add_argument('--tokens', required=True, help='JSON token ids')
    c.add_argument('--logits', required=True, help="Grove's logits of the light expert on those ids (.npy or JSON)")
    c.add_argument('--tolerance', type=float, default=1e-4)
    m = sub.add_parser('make', help='a PEFT LoRA adapter (r=4, every projection, B nonzero) and its logits, for Grove to import')
    m.add_argument('--base', required=True, help='Hugging Face base model folder (the forest seed Grove will import it over)')
    m.add_argument('--out', required=True, help='adapter folder to write')
    m.add_argument('--tokens', required=True, help='JSON token ids')
    m.add_argument('--logits-out', required=True, help='where its logits go (.npy or JSON)')
    m.add_argument('--seed', type=int, default=0)
    m.add_argument('--std', type=float, default=0.02, help='standard deviation of the drawn B factors')
    p = sub.add_parser('compare', help="Grove's logits of the imported adapter against make's")
    p.add_argument('--tokens', required=True, help='JSON token ids (the ones both ran)')
    p.add_argument('--logits', required=True, help="Grove's logits (.npy or JSON)")
    p.add_argument('--reference', required=True, help="make's --logits-out")
    p.add_argument('--tolerance', type=float, default=1e-4)
    a = parser.parse_args()
    sys.exit({'check': check, 'make': make, 'compare': compare}[a.command](a))


if __name__ == '__main__':
    main()
