// Serialises a plain description of an ONNX model to the ModelProto wire format (field numbers from
// onnx/onnx.proto). Initializers may carry raw bytes or point into an external file (safetensors).
import { ProtoWriter } from './protobuf';

/** ONNX TensorProto.DataType values Grove uses. */
export const OnnxType = {
  float32: 1,
  uint8: 2,
  int8: 3,
  uint16: 4,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  float64: 11,
  uint32: 12,
  bfloat16: 16,
} as const;
export type OnnxTypeName = keyof typeof OnnxType;

/** A dimension: a fixed size or a symbolic name ("batch", "time"). */
export type Dim = number | string;

export interface ValueInfo {
  name: string;
  type: OnnxTypeName;
  shape: readonly Dim[];
}

export type AttributeValue =
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'ints'; value: readonly number[] }
  | { kind: 'floats'; value: readonly number[] }
  | { kind: 'tensor'; value: Initializer }
  | { kind: 'graph'; value: OnnxGraph };

export interface OnnxNode {
  opType: string;
  domain?: string;
  name?: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attributes?: Readonly<Record<string, AttributeValue>>;
}

export interface ExternalData {
  location: string;
  offset: number;
  length: number;
}

export interface Initializer {
  name: string;
  type: OnnxTypeName;
  dims: readonly number[];
  /** Little-endian bytes of the tensor, or a pointer into a file next to the model. */
  data: Uint8Array | ExternalData;
}

export interface OnnxGraph {
  name: string;
  nodes: readonly OnnxNode[];
  inputs: readonly ValueInfo[];
  outputs: readonly ValueInfo[];
  initializers?: readonly Initializer[];
  valueInfo?: readonly ValueInfo[];
}

export interface OnnxModel {
  graph: OnnxGraph;
  /** Default-domain opset; 21 runs on onnxruntime 1.30 with every execution provider Grove uses. */
  opset?: number;
  extraOpsets?: Readonly<Record<string, number>>;
  producer?: string;
  metadata?: Readonly<Record<string, string>>;
}

export const DEFAULT_OPSET = 21;
const IR_VERSION = 10; // the IR version that goes with opset 21

const AttrType = { float: 1, int: 2, string: 3, tensor: 4, graph: 5, floats: 6, ints: 7 } as const;

function writeValueInfo(w: ProtoWriter, v: ValueInfo): void {
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, OnnxType[v.type]);
      tensor.message(2, (shape) => {
        for (const d of v.shape) {
          shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
        }
      });
    }),
  );
}

function writeTensor(w: ProtoWriter, t: Initializer): void {
  if (t.dims.length > 0) w.packedInts(1, t.dims);
  w.int(2, OnnxType[t.type]);
  w.string(8, t.name);
  if (t.data instanceof Uint8Array) {
    w.bytes(9, t.data);
  } else {
    const ext = t.data;
    for (const [key, value] of [
      ['location', ext.location],
      ['offset', String(ext.offset)],
      ['length', String(ext.length)],
    ] as const) {
      w.message(13, (e) => {
        e.string(1, key);
        e.string(2, value);
      });
    }
    w.int(14, 1); // data_location = EXTERNAL
  }
}

function writeAttribute(w: ProtoWriter, name: string, a: AttributeValue): void {
  w.string(1, name);
  w.int(20, AttrType[a.kind]);
  switch (a.kind) {
    case 'int':
      w.int(3, a.value);
      break;
    case 'float':
      w.float(2, a.value);
      break;
    case 'string':
      w.string(4, a.value);
      break;
    case 'ints':
      w.packedInts(8, a.value);
      break;
    case 'floats':
      w.packedFloats(7, a.value);
      break;
    case 'tensor':
      w.message(5, (t) => writeTensor(t, a.value));
      break;
    case 'graph':
      w.message(6, (g) => writeGraph(g, a.value));
      break;
  }
}

function writeNode(w: ProtoWriter, n: OnnxNode): void {
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  if (n.name) w.string(3, n.name);
  w.string(4, n.opType);
  if (n.domain) w.string(7, n.domain);
  for (const [name, a] of Object.entries(n.attributes ?? {})) w.message(5, (m) => writeAttribute(m, name, a));
}

function writeGraph(w: ProtoWriter, g: OnnxGraph): void {
  for (const n of g.nodes) w.message(1, (m) => writeNode(m, n));
  w.string(2, g.name);
  for (const t of g.initializers ?? []) w.message(5, (m) => writeTensor(m, t));
  for (const v of g.inputs) w.message(11, (m) => writeValueInfo(m, v));
  for (const v of g.outputs) w.message(12, (m) => writeValueInfo(m, v));
  for (const v of g.valueInfo ?? []) w.message(13, (m) => writeValueInfo(m, v));
}

export function encodeModel(model: OnnxModel): Uint8Array {
  const w = new ProtoWriter();
  w.int(1, IR_VERSION);
  w.string(2, model.producer ?? 'grove');
  const opsets: [string, number][] = [['', model.opset ?? DEFAULT_OPSET], ...Object.entries(model.extraOpsets ?? {})];
  w.message(7, (g) => writeGraph(g, model.graph));
  for (const [domain, version] of opsets) {
    w.message(8, (o) => {
      if (domain) o.string(1, domain);
      o.int(2, version);
    });
  }
  for (const [key, value] of Object.entries(model.metadata ?? {})) {
    w.message(14, (e) => {
      e.string(1, key);
      e.string(2, value);
    });
  }
  return w.finish();
}
