/**
 * Batch span processor (OTel SDK spec): a bounded queue drained in batches by one export at a
 * time, every scheduleDelayMs or as soon as a full batch is waiting.
 *
 * The queue is a ring, allocated up to the default queue size at once and grown (doubling) only
 * as far as OTEL_BSP_MAX_QUEUE_SIZE when spans pile up: onEnd does no allocation in the common
 * case, a huge configured size costs nothing until it is used, and a full
 * queue drops the new span (counted) instead of growing or blocking the app. The timer exists
 * only while spans wait, and is unref'd: the processor never keeps the process alive. At
 * process 'exit', flushSync hands whatever is left, including the batch of an export that can
 * no longer complete, to the exporter's synchronous path.
 *
 * An exporter that can put spans in its wire form ahead (SpanExporter.prepare, OTLP/protobuf)
 * is given each span as it ends, and the queue keeps the run it returns: under load a span object
 * waiting for its batch of 512 would outlive several young-generation collections and be copied
 * and promoted by each (../exporters/otlp-proto-prepared.ts says what that cost).
 */
import { ROOT_CONTEXT, TraceFlags, context } from '@opentelemetry/api';
import { log } from '../log';
import type { BatchProcessorConfig } from '../config/types';
import { suppressTracing } from './suppress-tracing';
import { SpanLedger, type SpanTotals } from './span-ledger';
import { ExportResultCode, type PreparedSpan, type QueuedSpan, type ReadableSpan, type SpanExporter, type SpanProcessor } from './types';

/** The spec's default OTEL_BSP_MAX_QUEUE_SIZE: what a queue holds before it must grow. */
const INITIAL_RING_SIZE = 2048;

export class BatchSpanProcessor implements SpanProcessor {
  private ring: (QueuedSpan | undefined)[];
  private readonly capacity: number;
  private readonly batchSize: number;
  private head = 0;
  private count = 0;
  /** Whether onEnd hands spans to exporter.prepare (until a prepare fails). */
  private canPrepare: boolean;
  /** Monotonic counters: forceFlush waits until everything queued before it has been taken. */
  private enqueuedTotal = 0;
  private dequeuedTotal = 0;
  private readonly ledger: SpanLedger;
  /**
   * Batches handed to exporter.export() whose outcome is not known yet. More than one when an
   * export outlived OTEL_BSP_EXPORT_TIMEOUT; what is left here at exit was not confirmed.
   */
  private readonly unsettled = new Set<ReadableSpan[]>();

  private timer: NodeJS.Timeout | undefined;
  private timerIsImmediate = false;
  private inFlight: Promise<void> | undefined;
  private inFlightBatch: ReadableSpan[] | undefined;
  /** dequeuedTotal before the in-flight batch was taken: its spans are numbered from here. */
  private inFlightFirstIndex = 0;
  private isShutdown = false;
  private shutdownPromise: Promise<void> | undefined;
  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.exportNext();
  };

  constructor(
    private readonly exporter: SpanExporter,
    private readonly config: BatchProcessorConfig,
  ) {
    this.capacity = Math.max(1, Math.floor(config.maxQueueSize));
    // The spec requires batch <= queue; clamp rather than fail on a bad combination.
    this.batchSize = Math.max(1, Math.min(Math.floor(config.maxExportBatchSize), this.capacity));
    this.ring = new Array<QueuedSpan | undefined>(Math.min(this.capacity, INITIAL_RING_SIZE)).fill(undefined);
    this.ledger = new SpanLedger(config.lossReportIntervalMs, this.capacity);
    this.canPrepare = typeof exporter.prepare === 'function';
  }

  /** Spans refused because the queue was full. */
  get droppedSpanCount(): number {
    return this.ledger.droppedQueueFull;
  }

  /** What became of every span given to this processor so far. */
  totals(): SpanTotals {
    return this.ledger.totals(this.enqueuedTotal + this.ledger.droppedQueueFull, this.count + this.unsettledSpanCount());
  }

  reportAtExit(): void {
    try {
      const { created, pendingAtExit } = this.totals();
      this.ledger.reportAtExit(created, pendingAtExit);
    } catch (err) {
      log.errorOnce('OTELI_E_BSP_REPORT', 'reporting span totals at exit failed', err);
    }
  }

  /** Spans waiting for export (not counting an export in flight). */
  get queuedSpanCount(): number {
    return this.count;
  }

  prepareForExit(): void {
    try {
      this.exporter.prepareForExit?.();
    } catch (err) {
      log.errorOnce('OTELI_E_BSP_PREPARE_EXIT', 'preparing the exporter for exit failed', err);
    }
  }

  pendingSpanCount(): number {
    return this.count + (this.inFlightBatch?.length ?? 0);
  }

  onEnd(span: ReadableSpan): void {
    if (this.isShutdown) return;
    try {
      if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
      if (this.count >= this.capacity) {
        this.ledger.noteDropped();
        if (this.ledger.droppedQueueFull === 1) {
          log.warnOnce(
            'OTELI_W_BSP_QUEUE_FULL',
            `span queue full (${this.capacity}); dropping new spans until exports catch up (raise OTEL_BSP_MAX_QUEUE_SIZE?)`,
          );
        }
        return;
      }
      if (this.count === this.ring.length) this.growRing();
      let slot = this.head + this.count;
      if (slot >= this.ring.length) slot -= this.ring.length;
      this.ring[slot] = this.canPrepare ? this.prepare(span) : span;
      this.count++;
      this.enqueuedTotal++;
      if (this.inFlight !== undefined) return; // its completion schedules what comes next
      if (this.count >= this.batchSize) this.schedule(0);
      else if (this.timer === undefined) this.schedule(this.config.scheduleDelayMs);
    } catch (err) {
      log.errorOnce('OTELI_E_BSP_ON_END', 'queueing a span failed', err);
    }
  }

  /** Exports every span queued before the call (newer ones wait their turn, so this ends). */
  async forceFlush(): Promise<void> {
    const target = this.enqueuedTotal;
    try {
      while (true) {
        if (this.inFlight !== undefined && this.inFlightFirstIndex < target) await this.inFlight;
        else if (this.inFlight === undefined && this.count > 0 && this.dequeuedTotal < target) this.exportNext();
        else return;
      }
    } catch (err) {
      log.errorOnce('OTELI_E_BSP_FLUSH', 'flushing spans failed', err);
    }
  }

  shutdown(): Promise<void> {
    if (this.shutdownPromise === undefined) {
      // Spans ending while we flush are ignored (spec: no more spans after Shutdown is called).
      this.isShutdown = true;
      this.shutdownPromise = this.forceFlush()
        .then(() => this.exporter.shutdown())
        .catch((err: unknown) => log.errorOnce('OTELI_E_BSP_SHUTDOWN', 'shutting the exporter down failed', err))
        .finally(() => this.clearTimer());
    }
    return this.shutdownPromise;
  }

  flushSync(timeoutMs: number): void {
    try {
      this.clearTimer();
      // concat, not push(...spread): a spread of a large queue overflows the stack, and the
      // exporter may still hold the in-flight array, which must not change under it.
      const queued = this.take(this.count);
      const resendInFlight = this.inFlightBatch !== undefined && this.exporter.isHandedOff?.(this.inFlightBatch) !== true;
      const spans = resendInFlight ? this.inFlightBatch!.concat(queued) : queued;
      // Its outcome is now the synchronous export's; a late settlement must not count it twice.
      if (resendInFlight) this.unsettled.delete(this.inFlightBatch!);
      this.inFlightBatch = undefined;
      if (spans.length === 0) return;
      if (this.exporter.exportSync === undefined) {
        log.debug(`dropping ${spans.length} spans at exit: the exporter has no synchronous path`);
        this.ledger.noteFailed(spans.length, 'no synchronous export at exit');
        return;
      }
      if (this.exporter.exportSync(spans, timeoutMs)) this.ledger.noteExported(spans.length);
      else this.ledger.noteFailed(spans.length, 'the synchronous export at exit failed');
    } catch (err) {
      log.errorOnce('OTELI_E_BSP_FLUSH_SYNC', 'exporting the last spans at exit failed', err);
    }
  }

  private schedule(delayMs: number): void {
    if (this.timer !== undefined) {
      if (this.timerIsImmediate || delayMs > 0) return;
      clearTimeout(this.timer);
    }
    this.timerIsImmediate = delayMs === 0;
    this.timer = setTimeout(this.onTimer, delayMs);
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Doubles the ring (at most to the capacity), its spans moved to the front in queue order. */
  private growRing(): void {
    const grown = new Array<QueuedSpan | undefined>(Math.min(this.capacity, this.ring.length * 2)).fill(undefined);
    for (let i = 0; i < this.count; i++) grown[i] = this.ring[(this.head + i) % this.ring.length];
    this.ring = grown;
    this.head = 0;
  }

  /** The exporter's run for the span (SpanExporter.prepare), or the span itself if that fails. */
  private prepare(span: ReadableSpan): QueuedSpan {
    try {
      return this.exporter.prepare!(span);
    } catch (err) {
      // This span and the later ones are queued as they are, and export() encodes them as it
      // always could.
      this.canPrepare = false;
      log.errorOnce('OTELI_E_BSP_PREPARE', 'preparing spans for export failed; they are exported unprepared', err);
      return span;
    }
  }

  /** Takes n spans off the queue's head into a new array, freeing their slots. */
  private take(n: number): ReadableSpan[] {
    const batch = new Array<ReadableSpan>(n);
    let hasRuns = false;
    for (let i = 0; i < n; i++) {
      // A prepared span goes back only to the exporter that prepared it (SpanExporter.prepare).
      const queued = this.ring[this.head]!;
      if ((queued as PreparedSpan).isPrepared === true) hasRuns = true;
      batch[i] = queued as ReadableSpan;
      this.ring[this.head] = undefined;
      this.head = this.nextSlot(this.head);
    }
    this.count -= n;
    this.dequeuedTotal += n;
    if (hasRuns) this.detachRuns(batch);
    return batch;
  }

  /**
   * Gives the batch its own part of each prepared run in it: a run's first spans fill its first
   * slots, and the run goes on (growing, or waiting for the next batch) with the rest. Should
   * that fail, the batch keeps the runs themselves, and their later spans may go out twice.
   */
  private detachRuns(batch: ReadableSpan[]): void {
    // A batch holds a few runs (one or two per instrumentation): arrays scanned by identity,
    // the last one found first, cost less than a Map per batch.
    const runs: PreparedSpan[] = [];
    const counts: number[] = [];
    let last = -1;
    for (let i = 0; i < batch.length; i++) {
      const item = batch[i] as unknown as PreparedSpan;
      if (item.isPrepared !== true) continue;
      if (last < 0 || runs[last] !== item) last = indexOrAdd(runs, counts, item);
      counts[last]!++;
    }
    const parts: PreparedSpan[] = [];
    try {
      for (let r = 0; r < runs.length; r++) parts.push(runs[r]!.detachFirst(counts[r]!));
    } catch (err) {
      log.errorOnce('OTELI_E_BSP_SPLIT', 'taking prepared spans for a batch failed; the batch takes whole runs', err);
    }
    last = -1;
    for (let i = 0; i < batch.length; i++) {
      const item = batch[i] as unknown as PreparedSpan;
      if (item.isPrepared !== true) continue;
      if (last < 0 || runs[last] !== item) last = runs.indexOf(item);
      if (last < parts.length) batch[i] = parts[last] as unknown as ReadableSpan;
    }
  }

  /** The ring slot after `slot`. */
  private nextSlot(slot: number): number {
    return slot + 1 === this.ring.length ? 0 : slot + 1;
  }

  private exportNext(): void {
    if (this.inFlight !== undefined || this.count === 0) return;
    this.clearTimer();
    this.inFlightFirstIndex = this.dequeuedTotal;
    const batch = this.take(Math.min(this.count, this.batchSize));
    this.inFlightBatch = batch;
    // Export outside the context of whichever app request happened to arm the timer.
    this.inFlight = context.with(suppressTracing(ROOT_CONTEXT), () => this.exportWithTimeout(batch)).then(() => {
      this.inFlight = undefined;
      if (this.inFlightBatch === batch) this.inFlightBatch = undefined;
      if (this.count >= this.batchSize) this.exportNext();
      else if (this.count > 0 && !this.isShutdown) this.schedule(this.config.scheduleDelayMs);
    });
  }

  private unsettledSpanCount(): number {
    let spans = 0;
    for (const batch of this.unsettled) spans += batch.length;
    return spans;
  }

  /** Counts the batch's outcome once, however late it comes (see unsettled). */
  private settleBatch(batch: ReadableSpan[], delivered: boolean, reason: string | undefined): void {
    if (!this.unsettled.delete(batch)) return;
    if (delivered) this.ledger.noteExported(batch.length);
    else this.ledger.noteFailed(batch.length, reason);
    if (this.exporter.prepare !== undefined) releasePrepared(batch);
  }

  /** Resolves when the export settles or exportTimeoutMs passes; never rejects. */
  private exportWithTimeout(batch: ReadableSpan[]): Promise<void> {
    this.unsettled.add(batch);
    return new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const timeoutMs = this.config.exportTimeoutMs;
      if (timeoutMs > 0) {
        timer = setTimeout(() => {
          log.warnOnce('OTELI_W_BSP_EXPORT_TIMEOUT', `an export took longer than ${timeoutMs} ms; moving on`);
          resolve();
        }, timeoutMs);
        timer.unref();
      }
      const settle = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        resolve();
      };
      try {
        this.exporter.export(batch).then(
          (result) => {
            this.settleBatch(batch, result.code === ExportResultCode.SUCCESS, result.error?.message);
            settle();
          },
          (err: unknown) => {
            log.errorOnce('OTELI_E_BSP_EXPORT', 'the exporter rejected instead of reporting FAILED', err);
            this.settleBatch(batch, false, err instanceof Error ? err.message : String(err));
            settle();
          },
        );
      } catch (err) {
        log.errorOnce('OTELI_E_BSP_EXPORT', 'the exporter threw', err);
        this.settleBatch(batch, false, err instanceof Error ? err.message : String(err));
        settle();
      }
    });
  }
}

/** Tells each prepared run of a settled batch that its bytes are free (PreparedSpan.release). */
function releasePrepared(batch: readonly ReadableSpan[]): void {
  try {
    for (let i = 0; i < batch.length; i++) {
      const item = batch[i] as unknown as PreparedSpan;
      if (item.isPrepared === true && item !== (batch[i - 1] as unknown)) item.release();
    }
  } catch (err) {
    log.errorOnce('OTELI_E_BSP_RELEASE', 'releasing exported spans failed', err);
  }
}

/** Where `run` is in `runs`, added (with a count of 0) if it is not there yet. */
function indexOrAdd(runs: PreparedSpan[], counts: number[], run: PreparedSpan): number {
  const at = runs.indexOf(run);
  if (at >= 0) return at;
  counts.push(0);
  return runs.push(run) - 1;
}
