// A minimal protobuf *writer* (wire format only): ONNX files are the one protobuf Grove emits, and it only
// ever writes them, so a 100-line encoder beats a schema compiler and a runtime dependency.
// Wire types: 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32.

export class ProtoWriter {
  private chunks: Uint8Array[] = [];
  private scratch = new Uint8Array(1024);
  private pos = 0;
  private total = 0;

  get length(): number {
    return this.total + this.pos;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.scratch.length) return;
    this.flush();
    if (n > this.scratch.length) this.scratch = new Uint8Array(Math.max(n, this.scratch.length * 2));
  }

  private flush(): void {
    if (this.pos === 0) return;
    this.chunks.push(this.scratch.slice(0, this.pos));
    this.total += this.pos;
    this.pos = 0;
  }

  private byte(b: number): void {
    this.ensure(1);
    this.scratch[this.pos++] = b;
  }

  /** Unsigned or signed integer as a varint; negatives take 10 bytes (two's complement), as protobuf requires. */
  varint(value: number | bigint): void {
    let v = BigInt.asUintN(64, BigInt(value));
    if (typeof value === 'number' && value >= 0 && value < 2 ** 31) {
      let n = value;
      while (n > 0x7f) {
        this.byte((n & 0x7f) | 0x80);
        n >>>= 7;
      }
      this.byte(n);
      return;
    }
    while (v > 0x7fn) {
      this.byte(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.byte(Number(v));
  }

  private tag(field: number, wireType: number): void {
    this.varint((field << 3) | wireType);
  }

  int(field: number, value: number | bigint): void {
    this.tag(field, 0);
    this.varint(value);
  }

  float(field: number, value: number): void {
    this.tag(field, 5);
    this.ensure(4);
    new DataView(this.scratch.buffer, this.scratch.byteOffset + this.pos, 4).setFloat32(0, value, true);
    this.pos += 4;
  }

  bytes(field: number, data: Uint8Array): void {
    this.tag(field, 2);
    this.varint(data.length);
    if (data.length <= 256) {
      this.ensure(data.length);
      this.scratch.set(data, this.pos);
      this.pos += data.length;
    } else {
      this.flush();
      this.chunks.push(data);
      this.total += data.length;
    }
  }

  string(field: number, value: string): void {
    this.bytes(field, new TextEncoder().encode(value));
  }

  /** A sub-message, written by `build` into a writer of its own. */
  message(field: number, build: (w: ProtoWriter) => void): void {
    const inner = new ProtoWriter();
    build(inner);
    this.bytes(field, inner.finish());
  }

  packedInts(field: number, values: ArrayLike<number | bigint>): void {
    const inner = new ProtoWriter();
    for (let i = 0; i < values.length; i++) inner.varint(values[i] as number | bigint);
    this.bytes(field, inner.finish());
  }

  packedFloats(field: number, values: ArrayLike<number>): void {
    const data = new Float32Array(values.length);
    for (let i = 0; i < values.length; i++) data[i] = values[i] as number;
    this.bytes(field, new Uint8Array(data.buffer));
  }

  finish(): Uint8Array {
    this.flush();
    if (this.chunks.length === 1) return this.chunks[0] as Uint8Array;
    const out = new Uint8Array(this.total);
    let off = 0;
    for (const c of this.chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  }
}
