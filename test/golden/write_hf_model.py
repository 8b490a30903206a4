#!/usr/bin/env python3
"""Writes a Hugging Face model folder from PyTorch alone (no Grove code): random weights drawn by torch,
config.json, model.safetensors as transformers saves it (a tied model carries no lm_head.weight), and the
logits of llama_ref.py's forward on the given token ids, so Grove's importer can be checked against an
independent writer.

Usage: write_hf_model.py --config config.json --out DIR --tokens ids.json --golden logits.safetensors
                         [--dtype float32|float16|bfloat16] [--seed 0] [--std 0.25]
The weights are stored in --dtype; the logits are computed in float32 from the stored (rounded) values.
"""
import argparse
import json
import os
import struct

import numpy as np
import torch

from llama_ref import Config, expected_names, forward, write_safetensors

ST_DTYPE = {'float32': 'F32', 'float16': 'F16', 'bfloat16': 'BF16'}


def shapes(cfg):
    D, H, Hkv = cfg.D, cfg.H, cfg.Hkv
    out = {'model.embed_tokens.weight': (cfg.V, cfg.C), 'model.norm.weight': (cfg.C,)}
    if not cfg.tied:
        out['lm_head.weight'] = (cfg.V, cfg.C)
    for i in range(cfg.L):
        p = f'model.layers.{i}'
        out.update({f'{p}.input_layernorm.weight': (cfg.C,), f'{p}.post_attention_layernorm.weight': (cfg.C,),
                    f'{p}.self_attn.q_proj.weight': (H * D, cfg.C), f'{p}.self_attn.k_proj.weight': (Hkv * D, cfg.C),
                    f'{p}.self_attn.v_proj.weight': (Hkv * D, cfg.C), f'{p}.self_attn.o_proj.weight': (cfg.C, H * D),
                    f'{p}.mlp.gate_proj.weight': (cfg.I, cfg.C), f'{p}.mlp.up_proj.weight': (cfg.I, cfg.C),
                    f'{p}.mlp.down_proj.weight': (cfg.C, cfg.I)})
        if cfg.qkv_bias:
            out.update({f'{p}.self_attn.q_proj.bias': (H * D,), f'{p}.self_attn.k_proj.bias': (Hkv * D,), f'{p}.self_attn.v_proj.bias': (Hkv * D,)})
        if cfg.o_bias:
            out[f'{p}.self_attn.o_proj.bias'] = (cfg.C,)
    return out


def write_weights(path, tensors, dtype):
    """safetensors with 16-bit dtypes too (llama_ref's writer handles F32/F64/I64 only)."""
    header, chunks, offset = {'__metadata__': {'format': 'pt'}}, [], 0
    for name, t in tensors.items():
        t = t.to(getattr(torch, dtype)).contiguous()
        raw = t.view(torch.int16).numpy().astype('<i2').tobytes() if dtype != 'float32' else t.numpy().astype('<f4').tobytes()
        header[name] = {'dtype': ST_DTYPE[dtype], 'shape': list(t.shape), 'data_offsets': [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    encoded = json.dumps(header).encode('utf-8')
    encoded += b' ' * ((8 - (8 + len(encoded)) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(encoded)))
        f.write(encoded)
        for raw in chunks:
            f.write(raw)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--config', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--tokens', required=True)
    ap.add_argument('--golden', required=True)
    ap.add_argument('--dtype', choices=tuple(ST_DTYPE), default='float32')
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--std', type=float, default=0.25)
    args = ap.parse_args()
    with open(args.config) as f:
        hf = json.load(f)
    cfg = Config(hf)
    gen = torch.Generator().manual_seed(args.seed)
    tensors = {}
    for name, shape in shapes(cfg).items():
        if name.endswith('norm.weight'):
            tensors[name] = 1 + 0.1 * torch.randn(shape, generator=gen)
        else:
            tensors[name] = args.std * torch.randn(shape, generator=gen)
    assert sorted(tensors) == sorted(expected_names(cfg))
    os.makedirs(args.out, exist_ok=True)
    hf = dict(hf, torch_dtype=args.dtype)
    with open(os.path.join(args.out, 'config.json'), 'w') as f:
        json.dump(hf, f, indent=2)
    write_weights(os.path.join(args.out, 'model.safetensors'), tensors, args.dtype)
    stored = {n: t.to(getattr(torch, args.dtype)).to(torch.float32) for n, t in tensors.items()}
    with open(args.tokens) as f:
        ids = torch.tensor(json.load(f), dtype=torch.int64)
    with torch.no_grad():
        logits = forward(stored, cfg, ids)
    write_safetensors(args.golden, {'logits': logits}, {})
    print(json.dumps({'tensors': len(tensors), 'logits': list(logits.shape)}))


if __name__ == '__main__':
    main()
