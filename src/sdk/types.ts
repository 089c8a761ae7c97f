/**
 * Contracts between the SDK's parts: the finished span the processor and exporters see,
 * the processor and exporter interfaces, and the resource / scope shapes.
 * Kept free of behaviour so every part can depend on it without cycles.
 */
import type {
  Attributes,
  HrTime,
  Link,
  SpanContext,
  SpanKind,
  SpanStatus,
} from '@opentelemetry/api';

export type { Attributes, HrTime, Link, SpanContext, SpanKind, SpanStatus };

/** Identifies the library that created a span (the tracer's name and version). */
export interface InstrumentationScope {
  readonly name: string;
  readonly version?: string;
  readonly schemaUrl?: string;
}

export interface Resource {
  readonly attributes: Attributes;
  readonly droppedAttributesCount: number;
}

export interface SpanEventData {
  readonly name: string;
  /** Epoch milliseconds with a sub-microsecond fraction (see ReadableSpan.startTimeUnixMs). */
  readonly timeUnixMs: number;
  readonly attributes: Attributes;
  readonly droppedAttributesCount: number;
}

export interface SpanLinkData {
  readonly context: SpanContext;
  readonly attributes: Attributes;
  readonly droppedAttributesCount: number;
}

/** Bits of SpanIdWords.knownIdWords: which of a span's ids its words hold. */
export const ID_WORDS_TRACE = 1;
export const ID_WORDS_SPAN = 2;
export const ID_WORDS_PARENT = 4;

/**
 * A span's ids as 32-bit words of the SDK's id pool (./ids.ts), where the SDK knows them: it
 * generated the id, or took it from a span of its own. Each word holds four bytes of the id, the
 * first in its lowest byte. The OTLP encoder copies these instead of decoding the hex; an id whose
 * bit is not set in knownIdWords (a remote parent's, a span from elsewhere) is read from its hex.
 */
export interface SpanIdWords {
  readonly knownIdWords: number;
  readonly traceWord0: number;
  readonly traceWord1: number;
  readonly traceWord2: number;
  readonly traceWord3: number;
  readonly spanWord0: number;
  readonly spanWord1: number;
  readonly parentWord0: number;
  readonly parentWord1: number;
}

/** What a processor and an exporter see of an ended span. Read-only by contract. */
export interface ReadableSpan extends Partial<SpanIdWords> {
  readonly name: string;
  readonly kind: SpanKind;
  /**
   * A method, not a property: the SDK's Span object is both the api.Span the app holds and this
   * ReadableSpan (nothing is copied at end), and api.Span defines spanContext() as a method.
   */
  spanContext(): SpanContext;
  /** The parent's span id as 16 hex chars, or undefined for a root span. */
  readonly parentSpanId: string | undefined;
  /** True when the parent came from another process (extracted from a carrier). */
  readonly parentIsRemote: boolean;
  /**
   * Epoch milliseconds as a double with a fractional part (performance.timeOrigin + now()).
   * A double keeps ~0.25 µs resolution at today's epoch; we avoid a BigInt per span on the hot
   * path and convert to 64-bit nanoseconds only when encoding.
   */
  readonly startTimeUnixMs: number;
  readonly endTimeUnixMs: number;
  readonly attributes: Attributes;
  readonly droppedAttributesCount: number;
  readonly events: readonly SpanEventData[];
  readonly droppedEventsCount: number;
  readonly links: readonly SpanLinkData[];
  readonly droppedLinksCount: number;
  readonly status: SpanStatus;
  readonly resource: Resource;
  readonly scope: InstrumentationScope;
}

export interface SpanProcessor {
  /** Called synchronously when a sampled span starts. Must be cheap. */
  onStart?(span: ReadableSpan): void;
  /** Called synchronously when a sampled span ends. Must be cheap and never throw. */
  onEnd(span: ReadableSpan): void;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
  /** The process is exiting: exporters stop retrying, so the last flush is quick to end. */
  prepareForExit?(): void;
  /** Spans queued or being exported: shutdown flushes at 'beforeExit' only when there are some. */
  pendingSpanCount?(): number;
  /**
   * Called from a process 'exit' listener, where nothing asynchronous can finish:
   * hand the spans still queued to a synchronous export, bounded by timeoutMs.
   */
  flushSync?(timeoutMs: number): void;
  /** Called from a process 'exit' listener after flushSync: says what became of the spans. */
  reportAtExit?(): void;
}

export const enum ExportResultCode {
  SUCCESS = 0,
  FAILED = 1,
}

export interface ExportResult {
  readonly code: ExportResultCode;
  readonly error?: Error;
}

/**
 * Queued spans that an exporter has already put in its wire form (SpanExporter.prepare), so the
 * span objects themselves can be collected young. Only the exporter that made it is ever given
 * it, in export() and exportSync(); it keeps what grouping a request by resource and scope reads.
 *
 * A PreparedSpan stands for a run of spans (of one resource and scope), which grows as the
 * exporter prepares more: it fills one queue slot per span, in the order the spans were
 * prepared, so that counts stay counts of spans while the queue holds one small object per run
 * rather than per span. A batch takes the first spans of each run in it as a run of their own
 * (detachFirst), which no later prepare changes.
 */
export interface PreparedSpan {
  readonly resource: Resource;
  readonly scope: InstrumentationScope;
  readonly isPrepared: true;
  /** Spans in the run now. */
  readonly count: number;
  /** The run's first `count` spans (1 to all) as a run of their own; this one keeps the rest. */
  detachFirst(count: number): PreparedSpan;
  /**
   * The batch that holds this run (a detached one) has settled: nothing reads its bytes again,
   * and the exporter may reuse their memory. Called at most once per batch; optional to call.
   */
  release(): void;
}

/** What an exporter is given: ended spans, and the ones it prepared itself. */
export type QueuedSpan = ReadableSpan | PreparedSpan;

export interface SpanExporter {
  /** Export one batch. Resolves (never rejects) when the batch is delivered or given up on. */
  export(spans: readonly ReadableSpan[]): Promise<ExportResult>;
  /**
   * Optional: puts an ended span in the exporter's wire form now, and returns the run it joined
   * (PreparedSpan: the same object for the spans of one resource and scope prepared one after
   * another). The batch processor calls it as each span ends and queues what it returns instead
   * of the span: a queued object survives the young generation's collections and makes V8 grow
   * it, where a run is one object and its bytes sit outside the JS heap. Exporters that give it
   * get their prepared spans back in export() and exportSync() (mixed with unprepared ones, once
   * a prepare failed). It may throw, as encoding the span would.
   */
  prepare?(span: ReadableSpan): PreparedSpan;
  /**
   * Export one batch synchronously, bounded by timeoutMs (used only at process 'exit').
   * Exporters that cannot do this omit it. True when the batch was delivered.
   */
  exportSync?(spans: readonly ReadableSpan[], timeoutMs: number): boolean;
  /**
   * True once every byte of this batch (the same array passed to export) is written to the
   * socket: the collector gets it even if the process exits now, so the exit path must not send
   * it again. Exporters that cannot tell omit it, and an in-flight batch is sent again.
   */
  isHandedOff?(spans: readonly ReadableSpan[]): boolean;
  /** The process is exiting: stop retrying (see SpanProcessor.prepareForExit). */
  prepareForExit?(): void;
  shutdown(): Promise<void>;
}
