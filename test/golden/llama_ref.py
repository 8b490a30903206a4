#!/usr/bin/env python3
"""Independent PyTorch reference of Hugging Face LlamaForCausalLM / Qwen2ForCausalLM (forward, loss,
gradients, one AdamW step), written without `transformers` so Grove's ONNX graphs have a second,
separate implementation to agree with. Follows HF's modeling_llama.py / modeling_qwen2.py semantics:

  RMSNorm   y = weight * (x * rsqrt(mean(x^2, -1) + eps))   computed in float32 (float64 stays float64)
  RoPE      inv_freq = 1 / theta^(arange(0, D, 2) / D), rotate_half = cat(-x2, x1), optional "llama3" scaling
  attention causal softmax(q k^T / sqrt(D)), softmax in float32; GQA repeats each k/v head H/Hkv times
  MLP       down(silu(gate(x)) * up(x))
  head      lm_head, or embed_tokens when tie_word_embeddings; Qwen2 has q/k/v biases, no o bias

Usage:
  llama_ref.py --model DIR --tokens ids.json --out golden.safetensors [--lr 1e-3 --beta1 0.9 --beta2 0.95
               --eps 1e-8 --weight-decay 0.1 --decay all|matrices --dtype float32|float64] [--self-check] [--adapter ADIR]

DIR holds config.json and model.safetensors (F32/F16/BF16/F64). ids.json is [[ids...], ...] or
{"input_ids": [[...]]}. The output file holds: logits [B,T,V], loss [] (mean next-token cross-entropy),
rope.inv_freq [D/2], grad.<name> and adamw.<name> (the parameter after one torch.optim.AdamW step from
fresh state) for every tensor of the model. A JSON summary goes to stdout. --self-check also compares
autograd against central finite differences of the float64 model at sampled entries of every tensor and
exits with status 1 if they disagree. The safetensors format is read and written here by hand
(8-byte little-endian header length, JSON header, raw little-endian tensors).

--adapter ADIR (a PEFT LoRA folder: adapter_config.json + adapter_model.safetensors) runs the model with
W = W0 + (lora_alpha / r) B A on every targeted projection (the merged weight, computed here, not the
low-rank path) and the base frozen: grad.<name> and adamw.<name> are then written for the adapter's tensors
only (under their names in the adapter file), and --self-check checks those.
"""
import argparse
import json
import math
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

NUMPY_DTYPES = {'F64': np.float64, 'F32': np.float32, 'F16': np.float16, 'I64': np.int64, 'I32': np.int32}
TORCH_TO_ST = {torch.float32: 'F32', torch.float64: 'F64', torch.int64: 'I64'}


def read_safetensors(path):
    with open(path, 'rb') as f:
        blob = f.read()
    (n,) = struct.unpack('<Q', blob[:8])
    header = json.loads(blob[8:8 + n])
    metadata = header.pop('__metadata__', {})
    data = blob[8 + n:]
    tensors = {}
    for name, entry in header.items():
        begin, end = entry['data_offsets']
        if end > len(data):
            raise SystemExit(f'{path}: tensor {name} ends at byte {end} of the data, which holds {len(data)}: the file is truncated.')
        raw = data[begin:end]
        if entry['dtype'] == 'BF16':  # bf16 is the top half of a float32
            bits = np.frombuffer(raw, dtype='<u2').astype(np.uint32) << 16
            array = bits.view(np.float32)
        else:
            array = np.frombuffer(raw, dtype=np.dtype(NUMPY_DTYPES[entry['dtype']]).newbyteorder('<'))
        tensors[name] = torch.from_numpy(array.copy().reshape(entry['shape']))
    return tensors, metadata


def write_safetensors(path, tensors, metadata):
    header = {'__metadata__': metadata} if metadata else {}
    chunks, offset = [], 0
    for name, t in tensors.items():
        array = t.detach().contiguous().cpu().numpy()
        raw = array.astype(array.dtype.newbyteorder('<')).tobytes()
        header[name] = {'dtype': TORCH_TO_ST[t.dtype], 'shape': list(t.shape), 'data_offsets': [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    encoded = json.dumps(header).encode('utf-8')
    encoded += b' ' * ((8 - (8 + len(encoded)) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(encoded)))
        f.write(encoded)
        for raw in chunks:
            f.write(raw)


class Config:
    def __init__(self, hf):
        arch = hf['architectures'][0]
        if arch not in ('LlamaForCausalLM', 'Qwen2ForCausalLM'):
            raise SystemExit(f'unsupported architecture {arch}')
        self.qwen2 = arch == 'Qwen2ForCausalLM'
        self.V, self.C, self.I = hf['vocab_size'], hf['hidden_size'], hf['intermediate_size']
        self.L, self.H = hf['num_hidden_layers'], hf['num_attention_heads']
        self.Hkv = hf.get('num_key_value_heads') or self.H
        self.D = hf.get('head_dim') or self.C // self.H
        self.eps = hf.get('rms_norm_eps', 1e-6)
        self.theta = hf.get('rope_theta', 10000.0)
        self.rope_scaling = hf.get('rope_scaling')
        self.tied = hf.get('tie_word_embeddings', False)
        self.qkv_bias = True if self.qwen2 else hf.get('attention_bias', False)
        self.o_bias = False if self.qwen2 else hf.get('attention_bias', False)


def rope_inv_freq(cfg, dtype):
    # HF computes inv_freq in float32 from an int64 arange; float64 models keep float64.
    compute = torch.float64 if dtype == torch.float64 else torch.float32
    inv = 1.0 / (cfg.theta ** (torch.arange(0, cfg.D, 2, dtype=torch.int64).to(compute) / cfg.D))
    s = cfg.rope_scaling
    if s:  # "llama3" scaling, as transformers' _compute_llama3_parameters
        factor, low, high, old = s['factor'], s['low_freq_factor'], s['high_freq_factor'], s['original_max_position_embeddings']
        low_wavelen, high_wavelen = old / low, old / high
        wavelen = 2 * math.pi / inv
        scaled = torch.where(wavelen > low_wavelen, inv / factor, inv)
        smooth = (old / wavelen - low) / (high - low)
        smoothed = (1 - smooth) * scaled / factor + smooth * scaled
        medium = ~(wavelen < high_wavelen) * ~(wavelen > low_wavelen)
        inv = torch.where(medium, smoothed, scaled)
    return inv


def rms_norm(x, weight, eps):
    dtype = x.dtype
    h = x.to(torch.float32) if dtype in (torch.float16, torch.bfloat16) else x
    h = h * torch.rsqrt(h.pow(2).mean(-1, keepdim=True) + eps)
    return weight * h.to(dtype)


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def forward(p, cfg, ids):
    """ids [B,T] int64 -> logits [B,T,V]."""
    B, T = ids.shape
    H, Hkv, D = cfg.H, cfg.Hkv, cfg.D
    x = p['model.embed_tokens.weight'][ids]  # [B,T,C]
    dtype = x.dtype
    inv = rope_inv_freq(cfg, dtype)
    freqs = torch.arange(T, dtype=inv.dtype)[:, None] * inv[None, :]  # [T,D/2]
    emb = torch.cat((freqs, freqs), dim=-1)  # [T,D]
    cos, sin = emb.cos().to(dtype), emb.sin().to(dtype)
    mask = torch.full((T, T), float('-inf'), dtype=dtype).triu(1)  # [T,T] 0 on and below the diagonal
    for i in range(cfg.L):
        pre = f'model.layers.{i}'
        h = rms_norm(x, p[f'{pre}.input_layernorm.weight'], cfg.eps)
        bias = lambda n: p.get(f'{pre}.self_attn.{n}_proj.bias')
        q = F.linear(h, p[f'{pre}.self_attn.q_proj.weight'], bias('q')).view(B, T, H, D).transpose(1, 2)  # [B,H,T,D]
        k = F.linear(h, p[f'{pre}.self_attn.k_proj.weight'], bias('k')).view(B, T, Hkv, D).transpose(1, 2)  # [B,Hkv,T,D]
        v = F.linear(h, p[f'{pre}.self_attn.v_proj.weight'], bias('v')).view(B, T, Hkv, D).transpose(1, 2)  # [B,Hkv,T,D]
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(H // Hkv, dim=1)  # [B,H,T,D]: head h reads kv head h // (H/Hkv)
        v = v.repeat_interleave(H // Hkv, dim=1)
        att = q @ k.transpose(-2, -1) / math.sqrt(D) + mask  # [B,H,T,T]
        att = torch.softmax(att, dim=-1, dtype=torch.float32 if dtype != torch.float64 else dtype).to(dtype)
        y = (att @ v).transpose(1, 2).reshape(B, T, H * D)  # [B,T,H*D]
        x = x + F.linear(y, p[f'{pre}.self_attn.o_proj.weight'], bias('o'))
        h = rms_norm(x, p[f'{pre}.post_attention_layernorm.weight'], cfg.eps)
        mlp = F.silu(F.linear(h, p[f'{pre}.mlp.gate_proj.weight'])) * F.linear(h, p[f'{pre}.mlp.up_proj.weight'])  # [B,T,I]
        x = x + F.linear(mlp, p[f'{pre}.mlp.down_proj.weight'])
    x = rms_norm(x, p['model.norm.weight'], cfg.eps)
    head = p['model.embed_tokens.weight'] if cfg.tied else p['lm_head.weight']
    return F.linear(x, head)  # [B,T,V]


def next_token_loss(logits, ids):
    """Mean cross-entropy of predicting ids[:, 1:] from positions [:, :-1] (HF's shifted labels)."""
    V = logits.shape[-1]
    return F.cross_entropy(logits[:, :-1].reshape(-1, V), ids[:, 1:].reshape(-1))


def expected_names(cfg):
    names = ['model.embed_tokens.weight', 'model.norm.weight'] + ([] if cfg.tied else ['lm_head.weight'])
    for i in range(cfg.L):
        pre = f'model.layers.{i}'
        names += [f'{pre}.input_layernorm.weight', f'{pre}.post_attention_layernorm.weight']
        names += [f'{pre}.self_attn.{n}_proj.weight' for n in 'qkvo'] + [f'{pre}.mlp.{n}_proj.weight' for n in ('gate', 'up', 'down')]
        names += [f'{pre}.self_attn.{n}_proj.bias' for n in 'qkv' if cfg.qkv_bias] + ([f'{pre}.self_attn.o_proj.bias'] if cfg.o_bias else [])
    return names


def merged(base, adapter, lora):
    """The base weights with every adapted projection replaced by W0 + (alpha / r) B A."""
    p = dict(base)
    scale = lora['lora_alpha'] / lora['r']
    for name in adapter:
        if '.lora_A.' not in name:
            continue
        module = name[len('base_model.model.'):name.index('.lora_A.')]
        a, b = adapter[name], adapter[name.replace('.lora_A.', '.lora_B.')]
        p[f'{module}.weight'] = base[f'{module}.weight'] + scale * (b @ a)
    return p


def finite_difference_check(leaves, loss_of, per_tensor, seed):
    """Autograd vs central differences in float64 at `per_tensor` random entries of every tensor in
    `leaves` (float64 tensors loss_of() reads). An entry fails when |fd - autograd| > 1e-8 + 1e-5 |autograd|;
    max_rel_err is reported over entries with |autograd| >= 1e-4 only (below that, float64 rounding in the
    difference dominates)."""
    for t in leaves.values():
        t.requires_grad_(True)
    loss_of().backward()
    gen = torch.Generator().manual_seed(seed)
    h, worst_abs, worst_rel, failures, checked = 1e-5, 0.0, 0.0, [], 0
    with torch.no_grad():
        for name, t in leaves.items():
            flat = t.view(-1)
            for idx in torch.randint(0, flat.numel(), (per_tensor,), generator=gen).tolist():
                old = flat[idx].item()
                flat[idx] = old + h
                up = loss_of().item()
                flat[idx] = old - h
                down = loss_of().item()
                flat[idx] = old
                fd, g = (up - down) / (2 * h), t.grad.view(-1)[idx].item()
                err = abs(fd - g)
                worst_abs = max(worst_abs, err)
                if abs(g) >= 1e-4:
                    worst_rel = max(worst_rel, err / abs(g))
                checked += 1
                if err > 1e-8 + 1e-5 * abs(g):
                    failures.append({'tensor': name, 'index': idx, 'autograd': g, 'finite_difference': fd})
    return {'checked': checked, 'max_abs_err': worst_abs, 'max_rel_err': worst_rel, 'failures': failures[:10]}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--model', required=True)
    ap.add_argument('--tokens', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--lr', type=float, default=1e-3)
    ap.add_argument('--beta1', type=float, default=0.9)
    ap.add_argument('--beta2', type=float, default=0.999)
    ap.add_argument('--eps', type=float, default=1e-8)
    ap.add_argument('--weight-decay', type=float, default=0.0)
    ap.add_argument('--decay', choices=('all', 'matrices'), default='all', help='matrices: no weight decay on 1-D tensors (norms, biases)')
    ap.add_argument('--dtype', choices=('float32', 'float64'), default='float32')
    ap.add_argument('--self-check', action='store_true')
    ap.add_argument('--check-entries', type=int, default=3)
    ap.add_argument('--adapter', help='a PEFT LoRA adapter folder: train its A and B over the frozen model')
    args = ap.parse_args()

    torch.manual_seed(0)
    with open(f'{args.model}/config.json') as f:
        cfg = Config(json.load(f))
    weights, _ = read_safetensors(f'{args.model}/model.safetensors')
    names = expected_names(cfg)
    if sorted(names) != sorted(weights):
        raise SystemExit(f'tensor names differ from the config: missing {sorted(set(names) - set(weights))}, unexpected {sorted(set(weights) - set(names))}')
    with open(args.tokens) as f:
        tokens = json.load(f)
    ids = torch.tensor(tokens['input_ids'] if isinstance(tokens, dict) else tokens, dtype=torch.int64)  # [B,T]

    dtype = torch.float64 if args.dtype == 'float64' else torch.float32
    lora, adapter = None, {}
    if args.adapter:
        with open(f'{args.adapter}/adapter_config.json') as f:
            lora = json.load(f)
        if lora.get('peft_type') != 'LORA' or lora.get('use_rslora') or lora.get('use_dora'):
            raise SystemExit('only plain LoRA adapters are supported')
        adapter, _ = read_safetensors(f'{args.adapter}/adapter_model.safetensors')
    base = {n: weights[n].to(dtype).clone() for n in names}
    if lora:  # only the adapter is trained; the base is a constant
        trained = {n: t.to(dtype).clone().requires_grad_(True) for n, t in adapter.items()}
        params_of = lambda t: merged(base, t, lora)
    else:
        trained = {n: t.requires_grad_(True) for n, t in base.items()}
        params_of = lambda t: t
    names = list(trained)
    params = trained
    logits = forward(params_of(trained), cfg, ids)
    loss = next_token_loss(logits, ids)
    loss.backward()
    grads = {n: params[n].grad.detach().clone() for n in names}

    betas = (args.beta1, args.beta2)
    if args.decay == 'all':
        groups = [{'params': [params[n] for n in names], 'weight_decay': args.weight_decay}]
    else:
        groups = [{'params': [params[n] for n in names if params[n].dim() >= 2], 'weight_decay': args.weight_decay},
                  {'params': [params[n] for n in names if params[n].dim() < 2], 'weight_decay': 0.0}]
    torch.optim.AdamW(groups, lr=args.lr, betas=betas, eps=args.eps).step()

    out = {'logits': logits.detach(), 'loss': loss.detach().reshape(()), 'rope.inv_freq': rope_inv_freq(cfg, dtype)}
    out.update({f'grad.{n}': g for n, g in grads.items()})
    out.update({f'adamw.{n}': params[n].detach() for n in names})
    summary = {'loss': loss.item(), 'tokens': list(ids.shape), 'torch': torch.__version__, 'dtype': args.dtype, 'adapter': bool(lora)}
    adamw = {'lr': args.lr, 'betas': list(betas), 'eps': args.eps, 'weight_decay': args.weight_decay, 'decay': args.decay}
    summary['adamw'] = adamw
    if args.self_check:
        leaves = {n: t.to(torch.float64).clone() for n, t in (adapter if lora else weights).items()}
        frozen = {n: t.to(torch.float64) for n, t in weights.items()}
        loss_of = (lambda: next_token_loss(forward(merged(frozen, leaves, lora), cfg, ids), ids)) if lora else (lambda: next_token_loss(forward(leaves, cfg, ids), ids))
        summary['self_check'] = finite_difference_check(leaves, loss_of, args.check_entries, seed=0)
    write_safetensors(args.out, out, {'producer': 'test/golden/llama_ref.py', 'summary': json.dumps(summary)})
    print(json.dumps(summary))
    if args.self_check and summary['self_check']['failures']:
        sys.exit(1)


if __name__ == '__main__':
    main()
