#!/usr/bin/env python3
"""The PyTorch baseline of `grove bench engine`: the same Llama written the way a PyTorch user writes it
(nn.Module layers: nn.Embedding, nn.Linear without bias, an RMSNorm module, rotary embeddings, grouped-query
attention by repeat_interleave, SwiGLU; F.cross_entropy on the logits against separate targets, so nothing
is shifted or copied; the default torch.optim.AdamW with Grove's betas and weight decay; gradients clipped
to norm 1.0 as Grove clips them). Eager fp32, as the Debian build of torch 1.13 offers (no
scaled_dot_product_attention: the causal softmax attention is written out, as its users wrote it).

It serves timing requests on stdin so `grove bench engine` can interleave Grove's runs with these on the
same shape (one line of JSON in, one line of JSON out):
  {"op": "train"} -> {"ms": ...}      one optimizer step on a fixed [B, T] batch
  {"op": "score"} -> {"ms": ...}      per-token log-likelihoods of the batch, no gradient
  {"op": "decode", "tokens": N} -> {"ms": ...}  N greedy tokens with a KV cache, batch 1
  {"op": "rss"} -> {"peak_rss_mib": ...}
Warm-up is the caller's: it discards the first runs until the times settle.

Run it with a real BLAS (Debian's default reference BLAS is ~20x slower and would make the comparison
unfair): LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp OMP_NUM_THREADS=N, and with jemalloc keeping
the pages it frees (LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
MALLOC_CONF=dirty_decay_ms:-1,muzzy_decay_ms:-1): where page faults are costly, PyTorch's allocator otherwise
maps every large tensor afresh and spends most of a step faulting (src/bench/torch-baseline.ts).
Usage: torch_llama_module.py --config '{"hidden_size":128,...}' --batch 16 --context 256 --threads 2
"""
import argparse
import json
import math
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class RMSNorm(nn.Module):
    def __init__(self, size, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(size))
        self.eps = eps

    def forward(self, x):
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.heads, self.kv_heads, self.head_dim = c['heads'], c['kv_heads'], c['head_dim']
        hidden = c['hidden']
        self.q_proj = nn.Linear(hidden, self.heads * self.head_dim, bias=False)
        self.k_proj = nn.Linear(hidden, self.kv_heads * self.head_dim, bias=False)
        self.v_proj = nn.Linear(hidden, self.kv_heads * self.head_dim, bias=False)
        self.o_proj = nn.Linear(self.heads * self.head_dim, hidden, bias=False)

    def forward(self, x, cos, sin, mask, cache=None):
        B, S, _ = x.shape
        q = self.q_proj(x).view(B, S, self.heads, self.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(B, S, self.kv_heads, self.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(B, S, self.kv_heads, self.head_dim).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if cache is not None:
            if cache[0] is not None:
                k = torch.cat((cache[0], k), dim=2)
                v = torch.cat((cache[1], v), dim=2)
            cache[0], cache[1] = k, v
        groups = self.heads // self.kv_heads
        if groups > 1:
            k = k.repeat_interleave(groups, dim=1)
            v = v.repeat_interleave(groups, dim=1)
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(self.head_dim)
        if mask is not None:
            scores = scores + mask
        y = torch.softmax(scores, dim=-1) @ v
        return self.o_proj(y.transpose(1, 2).reshape(B, S, self.heads * self.head_dim))


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.input_layernorm = RMSNorm(c['hidden'], c['eps'])
        self.self_attn = Attention(c)
        self.post_attention_layernorm = RMSNorm(c['hidden'], c['eps'])
        self.gate_proj = nn.Linear(c['hidden'], c['intermediate'], bias=False)
        self.up_proj = nn.Linear(c['hidden'], c['intermediate'], bias=False)
        self.down_proj = nn.Linear(c['intermediate'], c['hidden'], bias=False)

    def forward(self, x, cos, sin, mask, cache=None):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, mask, cache)
        h = self.post_attention_layernorm(x)
        return x + self.down_proj(F.silu(self.gate_proj(h)) * self.up_proj(h))


class Llama(nn.Module):
    def __init__(self, hf):
        super().__init__()
        heads = hf['num_attention_heads']
        c = {
            'hidden': hf['hidden_size'], 'heads': heads, 'kv_heads': hf.get('num_key_value_heads', heads),
            'head_dim': hf.get('head_dim', hf['hidden_size'] // heads), 'intermediate': hf['intermediate_size'],
            'eps': hf.get('rms_norm_eps', 1e-6),
        }
        self.head_dim = c['head_dim']
        self.embed_tokens = nn.Embedding(hf['vocab_size'], c['hidden'])
        self.layers = nn.ModuleList(Block(c) for _ in range(hf['num_hidden_layers']))
        self.norm = RMSNorm(c['hidden'], c['eps'])
        self.lm_head = nn.Linear(c['hidden'], hf['vocab_size'], bias=False)
        if hf.get('tie_word_embeddings', False):
            self.lm_head.weight = self.embed_tokens.weight
        theta = hf.get('rope_theta', 10000.0)
        self.register_buffer('inv_freq', 1.0 / (theta ** (torch.arange(0, self.head_dim, 2).float() / self.head_dim)), persistent=False)
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, std=0.02)

    def forward(self, ids, start=0, caches=None):
        S = ids.shape[1]
        positions = torch.arange(start, start + S, dtype=torch.float32)
        freqs = positions[:, None] * self.inv_freq[None, :]
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb.cos(), emb.sin()
        mask = None
        if S > 1:
            mask = torch.full((S, start + S), float('-inf')).triu(start + 1)
        x = self.embed_tokens(ids)
        for i, layer in enumerate(self.layers):
            x = layer(x, cos, sin, mask, None if caches is None else caches[i])
        return self.lm_head(self.norm(x))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--config', required=True)
    ap.add_argument('--batch', type=int, required=True)
    ap.add_argument('--context', type=int, required=True)
    ap.add_argument('--threads', type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    hf = json.loads(a.config)
    model = Llama(hf)
    V = hf['vocab_size']
    B, T = a.batch, a.context
    g = torch.Generator().manual_seed(1)
    inputs = torch.randint(0, V, (B, T), generator=g)
    targets = torch.randint(0, V, (B, T), generator=g)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, betas=(0.9, 0.95), weight_decay=0.1)

    def train():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(inputs).view(-1, V), targets.view(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()

    def score():
        with torch.no_grad():
            torch.log_softmax(model(inputs), dim=-1).gather(-1, targets.unsqueeze(-1))

    def decode(tokens):
        with torch.no_grad():
            caches = [[None, None] for _ in model.layers]
            token = torch.tensor([[1]])
            for pos in range(tokens):
                token = model(token, pos, caches)[:, -1].argmax(-1, keepdim=True)

    print(json.dumps({'ready': True, 'threads': torch.get_num_threads()}), flush=True)
    for line in sys.stdin:
        req = json.loads(line)
        if req['op'] == 'rss':
            print(json.dumps({'peak_rss_mib': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}), flush=True)
            continue
        fn = {'train': train, 'score': score, 'decode': lambda: decode(req.get('tokens', 64))}[req['op']]
        start = time.perf_counter()
        fn()
        print(json.dumps({'ms': (time.perf_counter() - start) * 1000}), flush=True)


if __name__ == '__main__':
    main()
