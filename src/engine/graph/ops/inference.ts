// Inference-only ops: ONNX Runtime's contrib ops (domain com.microsoft) that Grove's decode and score graphs
// run, and a slice with run-time bounds (the new rows of a KV cache). They have no VJP on purpose: the
// contrib kernels have no ONNX gradient to lower to, and training uses the plain-op forms of the same math.
// autodiff refuses them by name with `inferenceOnly` (see types.ts OpDef).
import { dimEq, normAxis, showShape, type Dim } from '../dims';
import type { Value } from '../ir';
import { graphError, type OpDef } from '../types';
import { int, like, requireFloat, sameDim } from './helpers';

export const MS_DOMAIN = 'com.microsoft';

export interface GqaAttrs {
  numHeads: number;
  kvNumHeads: number;
  /** q holds q, k and v side by side ([B, S, (H + 2 Hkv) D]); k and v are absent. */
  packed: boolean;
  /** Past key/value buffers [B, Hkv, capacity, D] follow q (k, v): the op reads their first P rows. */
  cache: boolean;
  /** cos/sin caches [maxPositions, D/2] come last: the op rotates q and k itself. */
  rotary: boolean;
}

/** The IR inputs of a GroupQueryAttention node, in order, by role. */
function gqaInputs(xs: readonly Value[], a: GqaAttrs) {
  let i = 0;
  const next = (): Value => {
    const v = xs[i++];
    if (!v) throw graphError(`GroupQueryAttention got ${xs.length} inputs, fewer than its flags (${JSON.stringify(a)}) need.`);
    return v;
  };
  const q = next();
  const [k, v] = a.packed ? [undefined, undefined] : [next(), next()];
  const past = a.cache ? ([next(), next()] as const) : undefined;
  const seqlensK = next();
  const totalLength = next();
  const rotary = a.rotary ? ([next(), next()] as const) : undefined;
  if (i !== xs.length) throw graphError(`GroupQueryAttention got ${xs.length} inputs, more than its flags (${JSON.stringify(a)}) take.`);
  return { q, k, v, past, seqlensK, totalLength, rotary };
}

const TO_NAME = (n: string | undefined): string => n ?? '';

export interface MatMulNBitsAttrs {
  /** Input features (the blocked axis) and output features. */
  k: number;
  n: number;
  bits: 4 | 8;
  blockSize: number;
  /** ONNX Runtime's accuracy_level: 0 dequantizes to f32 and multiplies in f32, 4 multiplies int8 activations. */
  accuracyLevel: 0 | 4;
}

export const inferenceOps = {
  /**
   * com.microsoft.GroupQueryAttention: causal grouped-query attention over past + new rows, q/k/v
   * [B, S, n D] in, context [B, S, H D] and present keys/values [B, Hkv, T', D] out, where T' is the past
   * buffers' capacity (S without a cache); seqlens_k int32 [B] = total - 1, total_sequence_length int32 [].
   */
  groupQueryAttention: {
    inferenceOnly: 'GroupQueryAttention is an ONNX Runtime contrib op without a gradient',
    infer: (xs, a: GqaAttrs) => {
      const { q, k, v, past, seqlensK, totalLength } = gqaInputs(xs, a);
      requireFloat(q);
      if (q.rank !== 3) throw graphError(`q must be [B, S, n*D], got ${showShape(q.shape)}.`);
      const width = q.shape[2];
      const heads = a.packed ? a.numHeads + 2 * a.kvNumHeads : a.numHeads;
      if (typeof width !== 'number' || width % heads !== 0) throw graphError(`q's last dim ${width} is not a multiple of ${heads} heads.`);
      const D = width / heads;
      for (const x of [k, v]) if (x) sameDim(x.shape[2]!, a.kvNumHeads * D, 'k/v width and kv_num_heads * head size');
      if (seqlensK.dtype !== 'int32' || totalLength.dtype !== 'int32' || totalLength.rank !== 0)
        throw graphError('seqlens_k must be int32 [B] and total_sequence_length an int32 scalar.');
      const rows: Dim = past ? past[0].shape[2]! : q.shape[1]!;
      const present = { dtype: q.dtype, shape: [q.shape[0]!, a.kvNumHeads, rows, D] };
      return [like(q, [q.shape[0]!, q.shape[1]!, a.numHeads * D])[0]!, present, present];
    },
    lower: (e, n) => {
      const x = gqaInputs(n.inputs, n.attrs);
      const name = (v: Value | undefined): string => TO_NAME(v && e.name(v));
      const inputs = [
        name(x.q),
        name(x.k),
        name(x.v),
        name(x.past?.[0]),
        name(x.past?.[1]),
        name(x.seqlensK),
        name(x.totalLength),
        ...(x.rotary ? x.rotary.map(name) : []),
      ];
      const attrs = { num_heads: int(n.attrs.numHeads), kv_num_heads: int(n.attrs.kvNumHeads), do_rotary: int(n.attrs.rotary ? 1 : 0) };
      e.node(
        'GroupQueryAttention',
        inputs,
        n.outputs.map((v) => e.name(v)),
        attrs,
        MS_DOMAIN,
      );
    },
  } satisfies OpDef<GqaAttrs>,

  /** com.microsoft.SkipSimplifiedLayerNormalization: sum = x + skip, and its RMSNorm, in one pass: [normed, sum]. */
  skipSimplifiedLayerNorm: {
    inferenceOnly: 'SkipSimplifiedLayerNormalization is an ONNX Runtime contrib op without a gradient',
    infer: ([x, skip, gamma]) => {
      requireFloat(x!, skip!, gamma!);
      if (x!.rank !== skip!.rank || !x!.shape.every((d, i) => dimEq(d, skip!.shape[i]!)))
        throw graphError(`input ${showShape(x!.shape)} and skip ${showShape(skip!.shape)} differ.`);
      if (gamma!.rank !== 1) throw graphError(`gamma must be 1-D, got ${showShape(gamma!.shape)}.`);
      sameDim(gamma!.shape[0]!, x!.shape[x!.rank - 1]!, 'gamma and the last axis');
      return [...like(x!), ...like(x!)];
    },
    // Outputs 1 and 2 (mean, inverse std) are optional and left unnamed.
    lower: (e, n) =>
      e.node(
        'SkipSimplifiedLayerNormalization',
        n.inputs.map((v) => e.name(v)),
        [e.name(n.outputs[0]!), '', '', e.name(n.outputs[1]!)],
        { epsilon: { kind: 'float', value: n.attrs.epsilon } },
        MS_DOMAIN,
      ),
  } satisfies OpDef<{ epsilon: number }>,

  /**
   * com.microsoft.MatMulNBits: x [..., K] @ W^T with W [N, K] held as unsigned `bits`-bit codes in blocks of
   * blockSize along K, b uint8 [N, K / blockSize, blockSize * bits / 8], scales float [N * K / blockSize]; the
   * zero point is the default 2^(bits - 1), so W = (code - zero point) * scale. Output [..., N].
   */
  matMulNBits: {
    inferenceOnly: 'MatMulNBits is an ONNX Runtime contrib op for frozen quantized weights, without a gradient',
    infer: ([x, b, scales], a: MatMulNBitsAttrs) => {
      requireFloat(x!, scales!);
      sameDim(x!.shape[x!.rank - 1]!, a.k, 'the input features and K');
      const blocks = a.k / a.blockSize;
      const expected = [a.n, blocks, (a.blockSize * a.bits) / 8];
      if (b!.dtype !== 'uint8' || b!.rank !== 3 || !expected.every((d, i) => b!.shape[i] === d))
        throw graphError(`b must be uint8 ${showShape(expected)}, got ${b!.dtype}${showShape(b!.shape)}.`);
      if (scales!.rank !== 1 || scales!.shape[0] !== a.n * blocks)
        throw graphError(`scales must be [${a.n * blocks}], got ${showShape(scales!.shape)}.`);
      return like(x!, [...x!.shape.slice(0, -1), a.n]);
    },
    lower: (e, n) =>
      e.node(
        'MatMulNBits',
        n.inputs.map((v) => e.name(v)),
        [e.name(n.outputs[0]!)],
        {
          K: int(n.attrs.k),
          N: int(n.attrs.n),
          bits: int(n.attrs.bits),
          block_size: int(n.attrs.blockSize),
          accuracy_level: int(n.attrs.accuracyLevel),
        },
        MS_DOMAIN,
      ),
  } satisfies OpDef<MatMulNBitsAttrs>,

  /** x[start:end] along one axis with int64 [1] run-time bounds; `length` is what the caller knows end - start is. */
  sliceRange: {
    inferenceOnly: 'a slice with run-time bounds has no gradient rule here',
    infer: ([x, start, end], a: { axis: number; length: Dim }) => {
      for (const b of [start!, end!])
        if (b.dtype !== 'int64' || b.rank !== 1 || b.shape[0] !== 1)
          throw graphError(`bounds must be int64 [1], got ${b.dtype}${showShape(b.shape)}.`);
      const axis = normAxis(a.axis, x!.rank);
      return like(
        x!,
        x!.shape.map((d, i) => (i === axis ? a.length : d)),
      );
    },
    lower: (e, n) =>
      e.node('Slice', [...n.inputs.map((v) => e.name(v)), e.ints([normAxis(n.attrs.axis, n.inputs[0]!.rank)])], [e.name(n.outputs[0]!)]),
  } satisfies OpDef<{ axis: number; length: Dim }>,
} satisfies Record<string, OpDef>;
