/**
 * A minimal, bounds-checked protobuf reader: varints and length-delimited fields, skipping the
 * rest. It reads what collectors answer (partial success, google.rpc.Status), and collectors and
 * proxies answer with anything, so every read throws a RangeError rather than overrunning.
 * This file must not import @opentelemetry/api: the standalone sync sender uses it too.
 */
export class ProtoReader {
  pos = 0;
  constructor(readonly buf: Buffer, readonly end = buf.length) {}

  varint(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.pos >= this.end) throw new RangeError('truncated varint');
      const byte = this.buf[this.pos++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
    }
    throw new RangeError('varint too long');
  }

  lengthDelimited(): { start: number; end: number } {
    const length = Number(this.varint());
    const start = this.pos;
    if (length > this.end - start) throw new RangeError('field overruns its message');
    this.pos = start + length;
    return { start, end: this.pos };
  }

  /** The contents of a length-delimited field, as a reader of their own. */
  nested(): ProtoReader {
    const { start, end } = this.lengthDelimited();
    const reader = new ProtoReader(this.buf, end);
    reader.pos = start;
    return reader;
  }

  /** A length-delimited field as UTF-8 text. */
  string(): string {
    const { start, end } = this.lengthDelimited();
    return this.buf.toString('utf8', start, end);
  }

  /**
   * Calls visit(field, wireType) for each field up to the end, or until it returns false; a field
   * that visit does not read is skipped. Every message we read is "pick the fields we know, skip
   * the rest".
   */
  eachField(visit: (field: number, wireType: number, reader: ProtoReader) => boolean | void): void {
    while (this.pos < this.end) {
      const tag = Number(this.varint());
      const before = this.pos;
      if (visit(tag >>> 3, tag & 7, this) === false) return;
      if (this.pos === before) this.skip(tag & 7);
    }
  }

  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.advance(8);
    else if (wireType === 2) this.lengthDelimited();
    else if (wireType === 5) this.advance(4);
    else throw new RangeError(`unsupported wire type ${wireType}`);
  }

  private advance(bytes: number): void {
    if (bytes > this.end - this.pos) throw new RangeError('truncated field');
    this.pos += bytes;
  }
}

export const WIRE_VARINT = 0;
export const WIRE_LENGTH_DELIMITED = 2;
