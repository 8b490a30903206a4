#!/usr/bin/env python3
"""PyTorch side of `grove bench engine`: eager fp32 training (forward, backward, AdamW), scoring and
KV-cached decoding of the same Llama architecture, on the same shapes and thread count as Grove.
The model is the independent reference the parity tests use (test/golden/llama_ref.py).

Run it with a real BLAS (Debian's default reference BLAS is ~20x slower and would make the comparison
unfair): LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp OMP_NUM_THREADS=N.

Usage: torch_llama_bench.py --config '{"hidden_size":128,...}' --batch 16 --context 256 --threads 2
       [--train-steps 5] [--score-steps 5] [--decode-tokens 64]
Prints one JSON object: train/score/decode tokens per second and peak RSS in MiB.
"""
import argparse
import json
import math
import os
import resource
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'test', 'golden'))
from llama_ref import Config, forward, next_token_loss, rms_norm, rope_inv_freq, rotate_half  # noqa: E402


def init_params(cfg, seed=0):
    g = torch.Generator().manual_seed(seed)
    shapes = {'model.embed_tokens.weight': (cfg.V, cfg.C), 'model.norm.weight': (cfg.C,)}
    for i in range(cfg.L):
        pre = f'model.layers.{i}'
        shapes.update({
            f'{pre}.input_layernorm.weight': (cfg.C,),
            f'{pre}.post_attention_layernorm.weight': (cfg.C,),
            f'{pre}.self_attn.q_proj.weight': (cfg.H * cfg.D, cfg.C),
            f'{pre}.self_attn.k_proj.weight': (cfg.Hkv * cfg.D, cfg.C),
            f'{pre}.self_attn.v_proj.weight': (cfg.Hkv * cfg.D, cfg.C),
            f'{pre}.self_attn.o_proj.weight': (cfg.C, cfg.H * cfg.D),
            f'{pre}.mlp.gate_proj.weight': (cfg.I, cfg.C),
            f'{pre}.mlp.up_proj.weight': (cfg.I, cfg.C),
            f'{pre}.mlp.down_proj.weight': (cfg.C, cfg.I),
        })
    if not cfg.tied:
        shapes['lm_head.weight'] = (cfg.V, cfg.C)
    params = {}
    for name, shape in shapes.items():
        t = torch.ones(shape) if name.endswith('norm.weight') else torch.randn(shape, generator=g) * 0.02
        params[name] = t.requires_grad_(True)
    return params


def timed(fn, steps, warmup=1):
    for _ in range(warmup):
        fn()
    start = time.perf_counter()
    for _ in range(steps):
        fn()
    return (time.perf_counter() - start) / steps


def decode_step(p, cfg, token, cache, pos, inv):
    """One token with a KV cache: token [1,1] -> logits [1,V]; cache[i] = (k, v) of shape [1,Hkv,pos,D]."""
    H, Hkv, D = cfg.H, cfg.Hkv, cfg.D
    x = p['model.embed_tokens.weight'][token]  # [1,1,C]
    freqs = torch.tensor([float(pos)])[:, None] * inv[None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos(), emb.sin()
    for i in range(cfg.L):
        pre = f'model.layers.{i}'
        h = rms_norm(x, p[f'{pre}.input_layernorm.weight'], cfg.eps)
        q = F.linear(h, p[f'{pre}.self_attn.q_proj.weight']).view(1, 1, H, D).transpose(1, 2)
        k = F.linear(h, p[f'{pre}.self_attn.k_proj.weight']).view(1, 1, Hkv, D).transpose(1, 2)
        v = F.linear(h, p[f'{pre}.self_attn.v_proj.weight']).view(1, 1, Hkv, D).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        pk, pv = cache[i]
        k = torch.cat((pk, k), dim=2)
        v = torch.cat((pv, v), dim=2)
        cache[i] = (k, v)
        kk = k.repeat_interleave(H // Hkv, dim=1)
        vv = v.repeat_interleave(H // Hkv, dim=1)
        att = torch.softmax(q @ kk.transpose(-2, -1) / math.sqrt(D), dim=-1)
        y = (att @ vv).transpose(1, 2).reshape(1, 1, H * D)
        x = x + F.linear(y, p[f'{pre}.self_attn.o_proj.weight'])
        h = rms_norm(x, p[f'{pre}.post_attention_layernorm.weight'], cfg.eps)
        x = x + F.linear(F.silu(F.linear(h, p[f'{pre}.mlp.gate_proj.weight'])) * F.linear(h, p[f'{pre}.mlp.up_proj.weight']), p[f'{pre}.mlp.down_proj.weight'])
    x = rms_norm(x, p['model.norm.weight'], cfg.eps)
    head = p['model.embed_tokens.weight'] if cfg.tied else p['lm_head.weight']
    return F.linear(x[:, -1], head)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--config', required=True)
    ap.add_argument('--batch', type=int, required=True)
    ap.add_argument('--context', type=int, required=True)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--train-steps', type=int, default=5)
    ap.add_argument('--score-steps', type=int, default=5)
    ap.add_argument('--decode-tokens', type=int, default=64)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    hf = {'architectures': ['LlamaForCausalLM'], **json.loads(a.config)}
    cfg = Config(hf)
    p = init_params(cfg)
    B, T = a.batch, a.context
    ids = torch.randint(0, cfg.V, (B, T + 1), generator=torch.Generator().manual_seed(1))
    opt = torch.optim.AdamW(p.values(), lr=1e-4, betas=(0.9, 0.95), weight_decay=0.1)

    def train_step():
        opt.zero_grad(set_to_none=True)
        loss = next_token_loss(forward(p, cfg, ids), ids)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(p.values(), 1.0)
        opt.step()

    train_s = timed(train_step, a.train_steps)

    def score_step():
        with torch.no_grad():
            logp = torch.log_softmax(forward(p, cfg, ids[:, :T]), dim=-1)
            logp.gather(-1, ids[:, 1:].unsqueeze(-1))

    score_s = timed(score_step, a.score_steps)

    with torch.no_grad():
        inv = rope_inv_freq(cfg, torch.float32)

        def decode_run():
            cache = [(torch.zeros(1, cfg.Hkv, 0, cfg.D), torch.zeros(1, cfg.Hkv, 0, cfg.D)) for _ in range(cfg.L)]
            token = torch.tensor([[1]])
            for pos in range(a.decode_tokens):
                token = decode_step(p, cfg, token, cache, pos, inv).argmax(-1, keepdim=True)

        decode_s = timed(decode_run, 1)

    print(json.dumps({
        'train_tokens_per_s': B * T / train_s,
        'score_tokens_per_s': B * T / score_s,
        'decode_tokens_per_s': a.decode_tokens / decode_s,
        'peak_rss_mib': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        'threads': torch.get_num_threads(),
        'blas': torch.__config__.show().count('BLAS'),
    }))


if __name__ == '__main__':
    main()
