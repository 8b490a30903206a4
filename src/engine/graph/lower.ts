// Lowers the IR to an OnnxModel (onnx/encode.ts) and bytes: only nodes the outputs need, readable value
// names, named dims read from graph inputs' shapes at run time. GROVE_DUMP_GRAPHS=<dir> (or dumpDir)
// also writes each encoded graph, with inferred shapes on every value, as <dir>/<graph name>.onnx for Netron.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dimNames, dimTerms, type Dim } from './dims';
import type { Graph, Node, Value } from './ir';
import { encodeModel, type AttributeValue, type Initializer, type OnnxModel, type OnnxNode, type ValueInfo } from './onnx/encode';
import { opDef } from './ops/registry';
import { graphError, toBytes, type DType, type Emitter } from './types';

export interface LowerOptions {
  /** Default-domain opset (onnx/encode.ts DEFAULT_OPSET when absent). */
  opset?: number;
  /** Other opsets; a domain the nodes use and this omits gets version 1 (com.microsoft's contrib ops). */
  extraOpsets?: Record<string, number>;
  metadata?: Record<string, string>;
  /** Inferred shapes on intermediate values (Netron shows them). Dumps always carry them. */
  valueInfo?: boolean;
}

export interface EncodeOptions extends LowerOptions {
  /** Also write the graph to <dumpDir>/<name>.onnx; defaults to $GROVE_DUMP_GRAPHS. */
  dumpDir?: string;
}

/** The nodes the graph outputs depend on, in order. */
function liveNodes(g: Graph): Node[] {
  const live = new Set<Node>();
  const stack = g.outputs.map((o) => o.value);
  const seen = new Set<Value>();
  while (stack.length) {
    const v = stack.pop()!;
    if (seen.has(v)) continue;
    seen.add(v);
    const n = v.node;
    if (n && !live.has(n)) {
      live.add(n);
      stack.push(...n.inputs);
    }
  }
  return g.nodes.filter((n) => live.has(n));
}

const info = (name: string, v: Value): ValueInfo => ({ name, type: v.dtype, shape: v.shape });

export function lowerGraph(g: Graph, o: LowerOptions = {}): OnnxModel {
  if (g.outputs.length === 0) throw graphError(`Graph ${g.name} has no outputs; mark some with g.output(name, value).`);
  const nodes: OnnxNode[] = [];
  const inits: Initializer[] = [];
  const names = new Map<Value, string>();
  const taken = new Set<string>();
  const claim = (name: string): string => {
    let n = name;
    for (let k = 1; taken.has(n); k++) n = `${name}.${k}`;
    taken.add(n);
    return n;
  };
  for (const v of [...g.inputs, ...g.initializers]) names.set(v, claim((v.source as { name: string }).name));
  // A graph output produced by a node names that node's output directly; other outputs get an Identity.
  const identities: [Value, string][] = [];
  for (const { name, value } of g.outputs) {
    taken.add(name);
    if (value.node && !names.has(value)) names.set(value, name);
    else identities.push([value, name]);
  }

  // Named dims are read from the first graph input that has one on an axis of its own.
  const sources = new Map<string, [Value, number]>();
  for (const v of g.inputs)
    v.shape.forEach((d, i) => typeof d === 'string' && dimNames(d).join() === d && !sources.has(d) && sources.set(d, [v, i]));

  let tmpCount = 0;
  const cache = new Map<string, string>();
  const cached = (key: string, make: () => string): string => {
    let n = cache.get(key);
    if (n === undefined) cache.set(key, (n = make()));
    return n;
  };
  const constant = (type: DType, dims: number[], values: number[], hint: string): string => {
    const name = claim(`${hint}_${tmpCount++}`);
    inits.push({ name, type, dims, data: toBytes(values, type) });
    return name;
  };
  const e: Emitter = {
    name(v) {
      let n = names.get(v);
      if (n === undefined) {
        const s = v.node?.scope;
        n = claim(`${s ? `${s}/` : ''}${v.label}_${v.id}`);
        names.set(v, n);
      }
      return n;
    },
    node(opType, inputs, outputs, attrs?: Readonly<Record<string, AttributeValue>>, domain?: string) {
      nodes.push({ opType, inputs, outputs, name: outputs[0], ...(attrs ? { attributes: attrs } : {}), ...(domain ? { domain } : {}) });
    },
    tmp: (hint) => claim(`${hint}_t${tmpCount++}`),
    ints: (values) => cached(`ints:${values.join(',')}`, () => constant('int64', [values.length], [...values], 'ints')),
    scalar: (value, dtype) =>
      cached(`scalar:${dtype}:${Object.is(value, -0) ? '-0' : value}`, () => constant(dtype, [], [value], 'scalar')),
    dims(dims) {
      if (dims.every((d) => typeof d === 'number')) return e.ints(dims as number[]);
      return cached(`dims:${dims.join(',')}`, () => {
        const parts: string[] = [];
        let run: number[] = [];
        for (const d of dims) {
          if (typeof d === 'number') run.push(d);
          else {
            if (run.length) parts.push(e.ints(run));
            run = [];
            parts.push(dimVector(d));
          }
        }
        if (run.length) parts.push(e.ints(run));
        const out = e.tmp('shape');
        e.node('Concat', parts, [out], { axis: { kind: 'int', value: 0 } });
        return out;
      });
    },
    dimScalar(d) {
      if (typeof d === 'number') return e.scalar(d, 'int64');
      return cached(`dimScalar:${d}`, () => {
        const out = e.tmp(`size_${d}`);
        e.node('Squeeze', [dimVector(d)], [out]);
        return out;
      });
    },
  };
  /** A named dim as an int64 [1] tensor: sum of products of input dims read with Shape(start, end). */
  const dimVector = (d: Dim): string =>
    cached(`dim:${d}`, () => {
      let acc: string | undefined;
      for (const [factors, coef] of dimTerms(d)) {
        let term: string | undefined;
        for (const f of factors) {
          const src = sources.get(f);
          if (!src)
            throw graphError(
              `Graph ${g.name}: dim ${f} (in ${d}) has no source: no graph input has an axis of size ${f}. Declare an input with it.`,
            );
          const [v, axis] = src;
          const one = cached(`atom:${f}`, () => {
            const out = e.tmp(`dim_${f}`);
            e.node('Shape', [e.name(v)], [out], { start: { kind: 'int', value: axis }, end: { kind: 'int', value: axis + 1 } });
            return out;
          });
          term = term === undefined ? one : binop('Mul', term, one);
        }
        term = term === undefined ? e.ints([coef]) : coef === 1 ? term : binop('Mul', term, e.ints([coef]));
        acc = acc === undefined ? term : binop('Add', acc, term);
      }
      return acc ?? e.ints([0]);
    });
  const binop = (op: string, a: string, b: string): string => {
    const out = e.tmp(op.toLowerCase());
    e.node(op, [a, b], [out]);
    return out;
  };

  const live = liveNodes(g);
  for (const n of live) opDef(n.op).lower(e, n);
  for (const [value, name] of identities) e.node('Identity', [e.name(value)], [name]);

  // Initializers the live graph reads (constants made by the builder but never used are dropped).
  const used = new Set<string>(nodes.flatMap((n) => n.inputs));
  for (const v of g.initializers) {
    const name = names.get(v)!;
    if (!used.has(name) || v.source.kind !== 'initializer') continue;
    inits.push({ name, type: v.dtype, dims: v.shape as number[], data: v.source.data });
  }

  // Every domain a node uses gets an opset import (version 1 for com.microsoft's contrib ops) unless given.
  const extraOpsets: Record<string, number> = { ...o.extraOpsets };
  for (const n of nodes) if (n.domain && extraOpsets[n.domain] === undefined) extraOpsets[n.domain] = 1;

  const valueInfo: ValueInfo[] = [];
  if (o.valueInfo) {
    const outputs = new Set(g.outputs.map((x) => x.value));
    for (const n of live) for (const y of n.outputs) if (!outputs.has(y) && names.has(y)) valueInfo.push(info(names.get(y)!, y));
  }
  return {
    graph: {
      name: g.name,
      nodes,
      inputs: g.inputs.map((v) => info(names.get(v)!, v)),
      outputs: g.outputs.map(({ name, value }) => info(name, value)),
      initializers: inits,
      ...(valueInfo.length ? { valueInfo } : {}),
    },
    ...(o.opset ? { opset: o.opset } : {}),
    ...(Object.keys(extraOpsets).length ? { extraOpsets } : {}),
    ...(o.metadata ? { metadata: o.metadata } : {}),
  };
}

/** Lowers and encodes a graph to .onnx bytes; dumps it when asked (see the file comment). */
export function encodeGraph(g: Graph, o: EncodeOptions = {}): Uint8Array {
  const bytes = encodeModel(lowerGraph(g, o));
  const dir = o.dumpDir ?? process.env.GROVE_DUMP_GRAPHS;
  if (dir) {
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${g.name.replace(/[^A-Za-z0-9_.-]+/g, '_')}.onnx`);
    writeFileSync(file, o.valueInfo ? bytes : encodeModel(lowerGraph(g, { ...o, valueInfo: true })));
  }
  return bytes;
}
