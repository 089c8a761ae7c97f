/**
 * Trace and span ids as lowercase hex, generated without a syscall or an allocation per id.
 *
 * Random bytes come from one pooled buffer refilled by crypto.randomFillSync a chunk at a time,
 * so the cost of the CSPRNG call is shared by hundreds of spans. 16 KiB: per byte, a 4 KiB fill
 * cost twice as much (0.41 vs 0.20 ns on Node 20), and larger fills gained little while making
 * the occasional refill a longer pause (3 µs at 16 KiB, 10 µs at 64 KiB).
 *
 * The pool becomes hex a chunk at a time (HEX_CHUNK_BYTES), through Buffer's native hex slice,
 * and an id is a slice of its chunk's string: V8 makes a slice of 13 or more characters a view of
 * its parent (no copy), so an id costs one small object where a native call per id cost ~500
 * instructions (a third of the id's share of a request under callgrind). The view is flat, so the
 * exporter reads it as fast as any flat string (rope strings from concatenation made its
 * hex→bytes conversion ~30% slower). A chunk's string lives as long as the last id cut from it,
 * so it is kept small: when the whole 16 KiB fill was one 32 KiB string, the string of the
 * current fill was alive at every young-generation collection and was copied and promoted with
 * it, 48 bytes a span, which made V8 grow the young generation to 16 MiB per semi-space (+28 MB
 * of RSS under load, with the sampler off too); a 256-byte chunk is shared by about ten spans.
 *
 * All 128 trace id bits are random, so the lower 56 bits satisfy the W3C Trace Context Level 2
 * "random trace id" expectation that the TraceIdRatioBased sampler relies on.
 *
 * node:crypto is required at the first fill, not at import: loading it (17 internal modules and
 * OpenSSL's set-up) cost every process 3.5 ms and 3.4 MB at start, before any span needed it.
 */
import type { TraceState } from '@opentelemetry/api';

const POOL_SIZE_BYTES = 16 * 1024;
// allocUnsafeSlow: our own memory, not a slice of Node's shared pool that other code reuses.
const pool = Buffer.allocUnsafeSlow(POOL_SIZE_BYTES);
type HexSlice = (this: Buffer, start: number, end: number) => string;
// Buffer#hexSlice is what toString('hex', s, e) calls after its argument checks; calling it
// directly saves ~10% per id. Fall back to toString should a Node version ever drop it.
const nativeHexSlice = (pool as unknown as { hexSlice?: HexSlice }).hexSlice;
const hexSlice: HexSlice =
  typeof nativeHexSlice === 'function'
    ? nativeHexSlice
    : function (this: Buffer, start: number, end: number): string {
        return this.toString('hex', start, end);
      };
/**
 * The pool as 32-bit words, for spans to keep their ids' bytes as well as their hex (idWord): the
 * OTLP encoder then copies the bytes instead of decoding three hex strings a span, which was a
 * tenth of what express's three spans a request cost the main thread (callgrind). Only on
 * little-endian machines, where a word's bytes in memory are its bytes from the lowest up, as the
 * encoder writes them back (ID_WORDS_USABLE); elsewhere spans keep their hex only.
 */
const poolWords = new Int32Array(pool.buffer, pool.byteOffset, POOL_SIZE_BYTES >>> 2);
export const ID_WORDS_USABLE = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
/** Where in poolWords the id last returned by newTraceId or newSpanId lies. */
let lastIdWord = 0;
/** Bytes hexed at once: ten spans' ids, a 512-character string that they keep alive. */
const HEX_CHUNK_BYTES = 256;
// Start "exhausted" so the first id triggers the first fill (no work at import time).
let poolOffset = POOL_SIZE_BYTES;
/** The current chunk as hex, two characters per byte, and its bounds in the pool. */
let chunkHex = '';
let chunkStart = 0;
let chunkEnd = 0;
/** The next unused byte of the current chunk. */
let cursor = 0;

const INVALID_TRACE_ID = '00000000000000000000000000000000';
const INVALID_SPAN_ID = '0000000000000000';

let randomFillSync: ((buffer: Buffer) => Buffer) | undefined;

function nextChunk(): void {
  if (poolOffset + HEX_CHUNK_BYTES > POOL_SIZE_BYTES) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    randomFillSync ??= (require('node:crypto') as typeof import('node:crypto')).randomFillSync;
    randomFillSync(pool);
    poolOffset = 0;
  }
  chunkStart = poolOffset;
  chunkEnd = poolOffset + HEX_CHUNK_BYTES;
  poolOffset = chunkEnd;
  chunkHex = hexSlice.call(pool, chunkStart, chunkEnd);
  cursor = chunkStart;
}

/** byteCount random bytes as hex; an id never straddles two chunks (a chunk's tail may go unused). */
function randomHex(byteCount: number): string {
  if (cursor + byteCount > chunkEnd) nextChunk();
  const start = (cursor - chunkStart) * 2;
  // Ids are 8 or 16 bytes from a 256-byte-aligned chunk: every id starts on a word.
  lastIdWord = cursor >>> 2;
  cursor += byteCount;
  return chunkHex.slice(start, start + byteCount * 2);
}

export function newTraceId(): string {
  let id = randomHex(16);
  // Probability 2^-128, but an invalid id would silently make the whole trace unexportable.
  while (id === INVALID_TRACE_ID) id = randomHex(16);
  return id;
}

/** 16 lowercase hex characters, never all zeros. */
export function newSpanId(): string {
  let id = randomHex(8);
  while (id === INVALID_SPAN_ID) id = randomHex(8);
  return id;
}

/**
 * Word `k` (0-3 of a trace id, 0-1 of a span id) of the id newTraceId or newSpanId returned last,
 * to be read before the next id is made (a refill overwrites the pool).
 */
export function idWord(k: number): number {
  return poolWords[lastIdWord + k]!;
}

/** True when `id` is `length` hex digits (either case, as the API accepts) and not all zeros. */
function isValidHexId(id: unknown, length: number): boolean {
  if (typeof id !== 'string' || id.length !== length) return false;
  let anyNonZero = 0;
  for (let i = 0; i < length; i++) {
    const c = id.charCodeAt(i);
    // '0'-'9', 'a'-'f', 'A'-'F'
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70))) return false;
    anyNonZero |= c ^ 48;
  }
  return anyNonZero !== 0;
}

/**
 * A span context this SDK made for a span it started: its ids were generated here or taken from
 * a parent already found valid, so it is valid by construction, and frozen so that it stays so.
 * isValidSpanContext answers for it without reading the ids (48 characters, checked for every
 * child span by the tracer and again by the parent-based sampler).
 */
export class OwnSpanContext {
  constructor(
    readonly traceId: string,
    readonly spanId: string,
    readonly traceFlags: number,
    readonly traceState: TraceState | undefined,
  ) {
    Object.freeze(this);
  }
}

// The last span context found valid. A parent is checked by the tracer and again by the
// parent-based sampler, and sibling spans share one parent, so this one entry hits most of the
// time. Span contexts are never mutated (the API hands out new objects), so identity suffices.
let lastValid: object | undefined;

/**
 * Same answer as api.isSpanContextValid, without its two regular expressions (~70 ns per call on
 * Node 20, paid twice per child span: by the tracer and by the parent-based sampler).
 */
export function isValidSpanContext(spanContext: { traceId: string; spanId: string } | undefined): boolean {
  if (spanContext === undefined || spanContext === null) return false;
  if (spanContext instanceof OwnSpanContext || spanContext === lastValid) return true;
  if (!isValidHexId(spanContext.traceId, 32) || !isValidHexId(spanContext.spanId, 16)) return false;
  lastValid = spanContext;
  return true;
}
