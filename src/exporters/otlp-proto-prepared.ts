/**
 * Spans put in their OTLP/protobuf form as they end (SpanExporter.prepare), so that the queue
 * holds bytes instead of span objects.
 *
 * Why as they end, one at a time: under load V8 collects the young generation every few
 * milliseconds, and whatever is alive then (copied, and promoted once it survives twice) counts
 * towards growing it. A span object waiting for its batch outlives several collections; so did
 * the 31 spans that waited for a chunk of 32 to be encoded, about 17 KB alive at each collection
 * on `node:http` (bare Node.js keeps 1 KB), which made V8 grow its young generation to 16 MB.
 * Encoded at once, a span's objects die young, and its bytes join a chunk outside the JS heap.
 *
 * Each resource and scope appends to a chunk of its own (64 KB, off the JS heap), so the bytes
 * of its queued spans lie side by side, and a run (EncodedRun) stands for them all: one object
 * in as many queue slots as it has spans (PreparedSpan). A batch takes a run's first spans as a
 * run of their own (detachFirst), whose bytes nothing changes later: a chunk is only appended to,
 * and a full one is left to its runs and replaced.
 */
import type { InstrumentationScope, PreparedSpan, ReadableSpan, Resource } from '../sdk/types';
import { encodeSpan } from './otlp-proto-encoder';
import { ProtobufWriter } from './protobuf-writer';

const CHUNK_BYTES = 64 * 1024;
/** Spans a chunk holds at most: its bounds are this many + 1 offsets. */
const CHUNK_SPANS = 1024;
/**
 * Chunks kept for reuse once every span in them has been exported (the batch settled: nothing
 * reads their bytes again). Without reuse, a chunk lived 10-20 ms under load, often long enough
 * to be promoted, and its memory went back only at the next full collection: the process's
 * malloc heap grew from 5 to 27 MB on `node:http`. A chunk never released is collected as any.
 */
const POOLED_CHUNKS = 8;
const pool: SpanChunk[] = [];

/** Bytes of encoded Span fields (tag, length, message), span k being [bounds[k], bounds[k + 1]). */
class SpanChunk {
  readonly bytes: Buffer;
  readonly bounds: Uint32Array;
  /** Spans written so far. */
  spans = 0;
  /** Spans whose batch has settled. */
  released = 0;
  /** No span is written here any more (its run moved to a new chunk). */
  sealed = false;

  constructor(byteCapacity: number, spanCapacity: number) {
    this.bytes = Buffer.allocUnsafeSlow(byteCapacity);
    this.bounds = new Uint32Array(spanCapacity + 1);
  }

  /** A chunk for the spans of one run: a pooled one if there is one. */
  static take(): SpanChunk {
    const reused = pool.pop();
    if (reused === undefined) return new SpanChunk(CHUNK_BYTES, CHUNK_SPANS);
    reused.spans = 0;
    reused.released = 0;
    reused.sealed = false;
    return reused;
  }

  /** Where the next span's bytes go. */
  get end(): number {
    return this.bounds[this.spans]!;
  }

  /** The span written from end() to `position` is one of this chunk's now. */
  add(position: number): void {
    this.bounds[++this.spans] = position;
  }

  get isFull(): boolean {
    return this.sealed || this.spans === this.bounds.length - 1;
  }

  release(count: number): void {
    this.released += count;
    if (this.sealed && this.released === this.spans) this.recycle();
  }

  seal(): void {
    this.sealed = true;
    if (this.released === this.spans) this.recycle();
  }

  private recycle(): void {
    if (this.bytes.length === CHUNK_BYTES && pool.length < POOLED_CHUNKS && !pool.includes(this)) pool.push(this);
  }
}

/**
 * Spans first to first + count - 1 of a chunk, of one resource and scope: what the request
 * encoder copies (encodeTraceRequestProto reads bytes, start and end).
 */
export class EncodedRun implements PreparedSpan {
  readonly isPrepared = true;
  /** Whether release() was called (a detached run is released once). */
  private isReleased = false;

  constructor(
    readonly resource: Resource,
    readonly scope: InstrumentationScope,
    readonly chunk: SpanChunk,
    private first: number,
    public count: number,
  ) {}

  get bytes(): Uint8Array {
    return this.chunk.bytes;
  }

  get start(): number {
    return this.chunk.bounds[this.first]!;
  }

  get end(): number {
    return this.chunk.bounds[this.first + this.count]!;
  }

  /** Whether the next span of the chunk would be this run's (only a chunk's last run grows). */
  get isOpen(): boolean {
    return this.first + this.count === this.chunk.spans && !this.chunk.isFull;
  }

  release(): void {
    if (this.isReleased) return;
    this.isReleased = true;
    this.chunk.release(this.count);
  }

  detachFirst(count: number): PreparedSpan {
    if (!Number.isInteger(count) || count <= 0 || count > this.count) throw new RangeError(`cannot detach ${count} of a run of ${this.count} spans`);
    const detached = new EncodedRun(this.resource, this.scope, this.chunk, this.first, count);
    this.first += count;
    this.count -= count;
    return detached;
  }
}

/**
 * Resource and scope pairs with a chunk of their own. A span of any other (an app that makes
 * tracers without end) gets a chunk of its exact size, as a huge span does: memory stays a chunk
 * per pair kept, plus each queued span's own bytes, however many tracers there are.
 */
const MAX_OPEN_RUNS = 32;

/** Where one exporter's spans are prepared: the run each resource and scope appends to. */
export class SpanPreparer {
  private readonly writer = new ProtobufWriter();
  /** Open runs; a short scan by identity finds a span's. */
  private readonly open: EncodedRun[] = [];
  private last: EncodedRun | undefined;
  /** Where a span without a chunk of its scope's is encoded first (see MAX_OPEN_RUNS). */
  private scratch: Buffer | undefined;

  /** Encodes the span now and returns the run its bytes joined. Throws what encoding throws. */
  prepare(span: ReadableSpan): PreparedSpan {
    const { resource, scope } = span;
    let run = this.last;
    if (run === undefined || run.scope !== scope || run.resource !== resource) run = this.find(resource, scope);
    if (run === undefined && this.open.length >= MAX_OPEN_RUNS) return this.inOwnChunk(span);
    if (run === undefined || !run.isOpen) run = this.replace(run, new EncodedRun(resource, scope, SpanChunk.take(), 0, 0));
    this.last = run;
    // Encoded straight into the chunk, after its last span.
    const chunk = run.chunk;
    const w = this.writer;
    w.writeIn(chunk.bytes, chunk.end);
    encodeSpan(w, span);
    if (w.buffer === chunk.bytes) {
      chunk.add(w.position);
      run.count++;
      return run;
    }
    // It did not fit: the writer moved the chunk's bytes and this span's to a buffer of its own.
    // The span goes to a new chunk, which the scope's next spans join; the others stay.
    run = this.replace(run, this.copied(span, chunk.end, true));
    this.last = run;
    return run;
  }

  /** A run of one span in a chunk of its exact size (see MAX_OPEN_RUNS), encoded in the scratch first. */
  private inOwnChunk(span: ReadableSpan): EncodedRun {
    const w = this.writer;
    w.writeIn((this.scratch ??= Buffer.allocUnsafeSlow(16 * 1024)), 0);
    encodeSpan(w, span);
    return this.copied(span, 0, false);
  }

  /**
   * The span the writer holds from `start` on, copied into a chunk: a pooled one if `poolable`
   * and it fits one, else one of its exact size.
   */
  private copied(span: ReadableSpan, start: number, poolable: boolean): EncodedRun {
    const w = this.writer;
    const length = w.position - start;
    const chunk = poolable && length <= CHUNK_BYTES ? SpanChunk.take() : new SpanChunk(length, 1);
    chunk.bytes.set(w.buffer.subarray(start, w.position), 0);
    chunk.add(length);
    return new EncodedRun(span.resource, span.scope, chunk, 0, 1);
  }

  private find(resource: Resource, scope: InstrumentationScope): EncodedRun | undefined {
    const open = this.open;
    for (let i = 0; i < open.length; i++) {
      const run = open[i]!;
      if (run.scope === scope && run.resource === resource) return run;
    }
    return undefined;
  }

  /** `run` replaces `old` as its resource and scope's open run; old's chunk takes no more. */
  private replace(old: EncodedRun | undefined, run: EncodedRun): EncodedRun {
    if (old !== undefined && old.chunk !== run.chunk) old.chunk.seal();
    const at = old === undefined ? -1 : this.open.indexOf(old);
    if (at >= 0) this.open[at] = run;
    else this.open.push(run);
    return run;
  }
}
