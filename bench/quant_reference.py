#!/usr/bin/env python3
"""The exact cost of a model's Q8_0 / Q4_0 weights, for `grove bench llamacpp`: the model run in float64 with
its f32 weights and with each quantization's weights (quantized and dequantized here), so the perplexity and
the divergence from the f32 model are those of the quantized weights alone, with no runtime's rounding of
activations, caches or accumulators in them. Grove's and llama.cpp's own costs on the same weights are then
this plus what each runtime's arithmetic adds.

Independent of Grove's quantizer (src/engine/quant/blocks.ts): ggml's reference quantizers
(quantize_row_q8_0_ref, quantize_row_q4_0_ref) written again in numpy, in float32, the block scale stored as
f16, and llama-quantize's choice of types (every 2-D weight whose rows are whole 32-value blocks; the output
head, or the token embedding tied to it, Q8_0 in a Q4_0 model; vectors stay float). The model is the
independent reference the parity tests use (test/golden/llama_ref.py).

Also the same weights with every product's input rounded to Q8_0 blocks as well (32 values along the input
axis, d = max|x| / 127 stored as f16): the arithmetic both runtimes' int8 kernels do (llama.cpp's Q8_0 and
Q4_0 dot products, ONNX Runtime's MatMulNBits at accuracy level 4), written out in float64 otherwise, so what
each runtime adds beyond it is its own.

Usage: quant_reference.py --model DIR --tokens ids.json
Prints one line of JSON: {"f32": {"perplexity": p}, "q8_0": {"perplexity": p, "kl": k, "int8_activations":
{"perplexity": p, "kl": k}}, "q4_0": {...}}, kl the mean over positions of KL(f32 || quantized) of the
next-token distributions, in nats.
"""
import argparse
import contextlib
import json
import math
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'test', 'golden'))
import llama_ref  # noqa: E402
from llama_ref import Config, forward, read_safetensors  # noqa: E402

BLOCK = 32


def reciprocal(d):
    """1 / d in float32, 0 where d is 0 (ggml's `id = d ? 1.0f/d : 0.0f`)."""
    safe = np.where(d != 0, d, np.float32(1))
    return np.where(d != 0, np.float32(1) / safe, np.float32(0)).astype(np.float32)


def q8_0(blocks):
    """[n, 32] float32 -> the values Q8_0 stands for: d = max|x| / 127, q = roundf(x / d)."""
    d = (np.abs(blocks).max(axis=1) / np.float32(127)).astype(np.float32)
    v = (blocks * reciprocal(d)[:, None]).astype(np.float32)
    q = np.sign(v) * np.floor(np.abs(v) + np.float32(0.5))  # roundf: halves away from zero
    return q * d.astype(np.float16).astype(np.float32)[:, None]


def q4_0(blocks):
    """[n, 32] float32 -> the values Q4_0 stands for: d = m / -8 (m the value of largest magnitude, sign kept)."""
    m = blocks[np.arange(len(blocks)), np.abs(blocks).argmax(axis=1)]
    d = (m / np.float32(-8)).astype(np.float32)
    v = ((blocks * reciprocal(d)[:, None]).astype(np.float32) + np.float32(8.5)).astype(np.float32)
    q = np.minimum(np.float32(15), np.trunc(v)) - np.float32(8)
    return q * d.astype(np.float16).astype(np.float32)[:, None]


def quantized(params, cfg, kind):
    """The model's tensors with every quantized matrix replaced by what its blocks stand for."""
    head = 'model.embed_tokens.weight' if cfg.tied else 'lm_head.weight'
    out = {}
    for name, w in params.items():
        if w.dim() != 2 or w.shape[1] % BLOCK != 0:
            out[name] = w
            continue
        rule = q8_0 if kind == 'q8_0' or name == head else q4_0
        blocks = w.to(torch.float32).numpy().reshape(-1, BLOCK)
        out[name] = torch.from_numpy(rule(blocks).reshape(tuple(w.shape)).astype(np.float32))
    return out


@contextlib.contextmanager
def int8_activations():
    """Every F.linear of the reference's forward takes its input rounded to Q8_0 blocks (see the top)."""
    linear = llama_ref.F.linear

    def rounded(x, weight, bias=None):
        blocks = x.to(torch.float32).numpy().reshape(-1, BLOCK)
        return linear(torch.from_numpy(q8_0(blocks).reshape(tuple(x.shape))).to(x.dtype), weight, bias)

    llama_ref.F.linear = rounded
    try:
        yield
    finally:
        llama_ref.F.linear = linear


def log_probs(params, cfg, ids):
    """[T - 1, V] float64 next-token log-probabilities of ids[1:] given each prefix."""
    p = {k: v.to(torch.float64) for k, v in params.items()}
    with torch.no_grad():
        return torch.log_softmax(forward(p, cfg, ids[None, :-1])[0], dim=-1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--model', required=True)
    ap.add_argument('--tokens', required=True)
    args = ap.parse_args()
    with open(os.path.join(args.model, 'config.json')) as f:
        cfg = Config(json.load(f))
    params, _ = read_safetensors(os.path.join(args.model, 'model.safetensors'))
    with open(args.tokens) as f:
        ids = torch.tensor(json.load(f), dtype=torch.int64)
    targets = ids[1:, None]

    def perplexity(lp):
        return math.exp(-lp.gather(-1, targets).mean().item())

    base = log_probs(params, cfg, ids)

    def cost(lp):
        return {'perplexity': perplexity(lp), 'kl': (base.exp() * (base - lp)).sum(-1).mean().item()}

    out = {'f32': {'perplexity': perplexity(base)}}
    for kind in ('q8_0', 'q4_0'):
        weights = quantized(params, cfg, kind)
        out[kind] = cost(log_probs(weights, cfg, ids))
        with int8_activations():
            out[kind]['int8_activations'] = cost(log_probs(weights, cfg, ids))
    print(json.dumps(out))


if __name__ == '__main__':
    main()
