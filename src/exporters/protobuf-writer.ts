/**
 * A two-phase protobuf writer for the OTLP encoder's hot path.
 *
 * The same encode function runs twice over the same writer: first in the measuring phase, where
 * every call only counts bytes, then (after `allocate()`) in the writing phase, where the calls
 * fill one preallocated buffer. Nested messages and strings need their length before their
 * bytes; the measuring phase records those lengths in pre-order in one number array, and the
 * writing phase consumes them in the same order. So no submessage is ever copied, no per-field
 * object is allocated, and each string is UTF-8 sized once and encoded once.
 *
 * Contract: both phases must make exactly the same sequence of calls.
 */

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;

const TWO_POW_32 = 4294967296;

/**
 * Strings up to this many chars are sized and copied in JS when they are ASCII: for the short
 * keys and values that make up most of a span, a native Buffer call costs more than the loop.
 */
const SHORT_STRING_CHARS = 64;

/** UTF-8 byte length; a JS scan for short strings, which are nearly always ASCII. */
function utf8ByteLength(value: string): number {
  const length = value.length;
  if (length > SHORT_STRING_CHARS) return Buffer.byteLength(value, 'utf8');
  for (let i = 0; i < length; i++) {
    if (value.charCodeAt(i) >= 0x80) return Buffer.byteLength(value, 'utf8');
  }
  return length;
}

/** Bytes a varint of an unsigned 32-bit value takes. */
export function varint32Size(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  return 5;
}

/** Bytes a varint of a 64-bit value given as two unsigned 32-bit halves takes. */
function varint64Size(low: number, high: number): number {
  if (high === 0) return varint32Size(low);
  // Each varint byte carries 7 bits; the value has 32 + bitLength(high) significant bits.
  const bits = 64 - Math.clz32(high);
  return Math.ceil(bits / 7);
}

export class ProtobufWriter {
  private measuring = true;
  private pos = 0;
  private buf: Buffer = Buffer.alloc(0);
  /** Lengths of nested messages and strings, pre-order; filled while measuring. */
  private readonly lengths: number[] = [];
  /** Index into `lengths` of each message still open while measuring, and where it started. */
  private readonly openSlots: number[] = [];
  private readonly openStarts: number[] = [];
  /** Next entry of `lengths` to consume while writing. */
  private nextLength = 0;

  /** Ends the measuring phase: allocates the buffer the writing phase fills. */
  allocate(): void {
    if (this.openSlots.length !== 0) throw new Error('protobuf writer: unclosed message');
    // allocUnsafe is safe here: the writing phase covers every byte (see writeHexBytes).
    this.buf = Buffer.allocUnsafe(this.pos);
    this.pos = 0;
    this.nextLength = 0;
    this.measuring = false;
  }

  /** Ends the writing phase and returns the encoded bytes. */
  finish(): Uint8Array {
    if (this.pos !== this.buf.length || this.nextLength !== this.lengths.length) {
      throw new Error('protobuf writer: the writing phase diverged from the measuring phase');
    }
    return this.buf;
  }

  /** Opens a length-delimited submessage under `field`; close it with `endMessage()`. */
  beginMessage(field: number): void {
    this.tag(field, WIRE_LENGTH_DELIMITED);
    if (this.measuring) {
      this.openSlots.push(this.lengths.length);
      this.lengths.push(0);
      this.openStarts.push(this.pos);
    } else {
      this.rawVarint32(this.lengths[this.nextLength++]!);
    }
  }

  endMessage(): void {
    if (!this.measuring) return;
    const slot = this.openSlots.pop()!;
    const length = this.pos - this.openStarts.pop()!;
    this.lengths[slot] = length;
    this.pos += varint32Size(length);
  }

  /** A UTF-8 string field; proto3 zero value ('') is skipped. */
  string(field: number, value: string): void {
    if (value.length === 0) return;
    this.stringAlways(field, value);
  }

  /** A string written even when empty (inside a oneof, presence is meaningful). */
  stringAlways(field: number, value: string): void {
    this.tag(field, WIRE_LENGTH_DELIMITED);
    if (this.measuring) {
      const byteLength = utf8ByteLength(value);
      this.lengths.push(byteLength);
      this.pos += varint32Size(byteLength) + byteLength;
    } else {
      const byteLength = this.lengths[this.nextLength++]!;
      this.rawVarint32(byteLength);
      // As many bytes as chars means ASCII: any other char takes two or more UTF-8 bytes.
      if (byteLength === value.length && byteLength <= SHORT_STRING_CHARS) {
        const buf = this.buf;
        let pos = this.pos;
        for (let i = 0; i < byteLength; i++) buf[pos++] = value.charCodeAt(i);
      } else {
        this.buf.write(value, this.pos, byteLength, 'utf8');
      }
      this.pos += byteLength;
    }
  }

  /**
   * A bytes field given as a hex string (trace and span ids), decoded straight into the output.
   * Skipped when empty. An invalid id must not leave uninitialised memory on the wire, so a
   * short decode is zero-filled.
   */
  hexBytes(field: number, hex: string): void {
    if (hex.length === 0) return;
    const byteLength = hex.length >>> 1;
    this.tag(field, WIRE_LENGTH_DELIMITED);
    if (this.measuring) {
      this.pos += varint32Size(byteLength) + byteLength;
      return;
    }
    this.rawVarint32(byteLength);
    const written = this.buf.write(hex, this.pos, byteLength, 'hex');
    if (written < byteLength) this.buf.fill(0, this.pos + written, this.pos + byteLength);
    this.pos += byteLength;
  }

  /** A bytes field (always written: used for AnyValue.bytes_value). */
  bytes(field: number, value: Uint8Array): void {
    this.tag(field, WIRE_LENGTH_DELIMITED);
    const byteLength = value.byteLength;
    if (this.measuring) {
      this.pos += varint32Size(byteLength) + byteLength;
      return;
    }
    this.rawVarint32(byteLength);
    this.buf.set(value, this.pos);
    this.pos += byteLength;
  }

  /** uint32 / enum field; zero is skipped. */
  uint32(field: number, value: number): void {
    if (value === 0) return;
    this.tag(field, WIRE_VARINT);
    this.rawVarint32(value >>> 0);
  }

  bool(field: number, value: boolean): void {
    this.tag(field, WIRE_VARINT);
    if (this.measuring) this.pos += 1;
    else this.buf[this.pos++] = value ? 1 : 0;
  }

  /**
   * int64 field from a safe integer (always written: used inside AnyValue's oneof).
   * Negative values take ten bytes, as two's complement, per the protobuf spec.
   */
  int64(field: number, value: number): void {
    this.tag(field, WIRE_VARINT);
    // ToUint32 is exact modulo 2^32 for any integral double, negative ones included.
    const low = value >>> 0;
    const high = Math.floor(value / TWO_POW_32) >>> 0;
    if (this.measuring) {
      this.pos += varint64Size(low, high);
      return;
    }
    this.rawVarint64(low, high);
  }

  double(field: number, value: number): void {
    this.tag(field, WIRE_FIXED64);
    if (!this.measuring) this.buf.writeDoubleLE(value, this.pos);
    this.pos += 8;
  }

  /** fixed32 field; zero is skipped. */
  fixed32(field: number, value: number): void {
    if (value === 0) return;
    this.tag(field, WIRE_FIXED32);
    if (!this.measuring) this.buf.writeUInt32LE(value >>> 0, this.pos);
    this.pos += 4;
  }

  /** fixed64 field from two unsigned 32-bit halves; zero is skipped. */
  fixed64(field: number, low: number, high: number): void {
    if (low === 0 && high === 0) return;
    this.tag(field, WIRE_FIXED64);
    if (!this.measuring) {
      this.buf.writeUInt32LE(low >>> 0, this.pos);
      this.buf.writeUInt32LE(high >>> 0, this.pos + 4);
    }
    this.pos += 8;
  }

  private tag(field: number, wireType: number): void {
    // Field numbers in OTLP are < 16, so every tag is one byte; keep the general path anyway.
    this.rawVarint32(((field << 3) | wireType) >>> 0);
  }

  private rawVarint32(value: number): void {
    if (this.measuring) {
      this.pos += varint32Size(value);
      return;
    }
    const buf = this.buf;
    while (value > 0x7f) {
      buf[this.pos++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    buf[this.pos++] = value;
  }

  private rawVarint64(low: number, high: number): void {
    const buf = this.buf;
    while (high !== 0 || low > 0x7f) {
      buf[this.pos++] = (low & 0x7f) | 0x80;
      // Shift the 64-bit pair right by 7: the low 7 bits of `high` move into the top of `low`.
      low = ((low >>> 7) | (high << 25)) >>> 0;
      high >>>= 7;
    }
    buf[this.pos++] = low;
  }
}
