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
 * is given each 32 queued spans as soon as the code that ended the last of them returns (a
 * microtask), and the queue keeps what it returns: under load a span object waiting for its batch
 * of 512 would outlive several young-generation collections and be copied and promoted by each.
 */
import { ROOT_CONTEXT, TraceFlags, context } from '@opentelemetry/api';
import { log } from '../log';
import type { BatchProcessorConfig } from '../config/types';
import { suppressTracing } from './suppress-tracing';
import { SpanLedger, type SpanTotals } from './span-ledger';
import { ExportResultCode, type PreparedSpan, type QueuedSpan, type ReadableSpan, type SpanExporter, type SpanProcessor } from './types';

/** The spec's default OTEL_BSP_MAX_QUEUE_SIZE: what a queue holds before it must grow. */
const INITIAL_RING_SIZE = 2048;

/**
 * Spans ended since the last prepare that make the exporter prepare them (SpanExporter.prepare),
 * in a microtask: V8 collects the young generation between two I/O callbacks under load, and
 * what is alive then makes it grow (a 16 MB semi-space where bare Node.js keeps 2 MB). With 64
 * spans prepared after the callback (setImmediate), the spans of every request served in that
 * turn of the event loop were still objects at those collections: 36-46 KB survived each on
 * express and fastify, against 27 KB now and a semi-space of 8 MB (10 MB less peak RSS), for
 * the same instructions per request. Fewer spans per prepare left more small objects queued.
 */
export const PREPARE_CHUNK = 32;

export class BatchSpanProcessor implements SpanProcessor {
  private ring: (QueuedSpan | undefined)[];
  private readonly capacity: number;
  private readonly batchSize: number;
  private head = 0;
  private count = 0;
  /** The first preparedCount queued spans are the exporter's prepared ones (see prepareQueued). */
  private preparedCount = 0;
  private canPrepare: boolean;
  private prepareScheduled = false;
  private readonly onPrepare = (): void => {
    this.prepareScheduled = false;
    this.prepareQueued();
  };
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
      this.ring[slot] = span;
      this.count++;
      this.enqueuedTotal++;
      if (this.canPrepare && !this.prepareScheduled && this.count - this.preparedCount >= PREPARE_CHUNK) {
        // Once the code that ended this span returns: it does not wait for the encoding.
        this.prepareScheduled = true;
        queueMicrotask(this.onPrepare);
      }
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

  /** Hands the queued spans not prepared yet to the exporter's prepare(), and queues what it returns. */
  private prepareQueued(): void {
    const n = this.count - this.preparedCount;
    if (n <= 0 || !this.canPrepare) return;
    const first = (this.head + this.preparedCount) % this.ring.length;
    const spans = new Array<ReadableSpan>(n);
    for (let i = 0, slot = first; i < n; i++, slot = this.nextSlot(slot)) spans[i] = this.ring[slot] as ReadableSpan;
    let prepared: PreparedSpan[];
    try {
      prepared = this.exporter.prepare!(spans);
      if (prepared.length !== n) throw new Error(`prepare returned ${prepared.length} for ${n} spans`);
    } catch (err) {
      // The spans stay queued as they are, and export() encodes them as it always could.
      this.canPrepare = false;
      log.errorOnce('OTELI_E_BSP_PREPARE', 'preparing spans for export failed; they are exported unprepared', err);
      return;
    }
    for (let i = 0, slot = first; i < n; i++, slot = this.nextSlot(slot)) this.ring[slot] = prepared[i];
    this.preparedCount += n;
  }

  /**
   * Takes n spans off the queue's head into a new array, freeing their slots; a prepared run the
   * batch ends inside is split (more than n only where that failed: see splitLastRun).
   */
  private take(n: number): ReadableSpan[] {
    const batch = new Array<ReadableSpan>(n);
    for (let i = 0; i < n; i++) {
      // A prepared span goes back only to the exporter that prepared it (SpanExporter.prepare).
      batch[i] = this.ring[this.head]! as ReadableSpan;
      this.ring[this.head] = undefined;
      this.head = this.nextSlot(this.head);
    }
    this.count -= n;
    this.preparedCount = this.preparedCount > n ? this.preparedCount - n : 0;
    this.dequeuedTotal += n;
    if (n > 0 && this.count > 0 && this.ring[this.head] === batch[n - 1]) return this.splitLastRun(batch);
    return batch;
  }

  /**
   * The batch ends inside a prepared run of spans (one object in adjacent slots): the batch gets
   * the run's first spans and the queue keeps the rest, each as a run of its own, so that no span
   * goes out twice. Should the exporter's split fail, the batch takes the whole run instead.
   */
  private splitLastRun(batch: ReadableSpan[]): ReadableSpan[] {
    const n = batch.length;
    const run = batch[n - 1] as unknown as PreparedSpan;
    let inBatch = 1;
    while (inBatch < n && batch[n - 1 - inBatch] === batch[n - 1]) inBatch++;
    let left = 0;
    for (let slot = this.head; left < this.count && this.ring[slot] === run; slot = this.nextSlot(slot)) left++;
    let parts: [PreparedSpan, PreparedSpan];
    try {
      parts = run.splitAt!(inBatch);
    } catch (err) {
      log.errorOnce('OTELI_E_BSP_SPLIT', 'splitting prepared spans between two batches failed; the batch takes them all', err);
      return batch.concat(this.take(left));
    }
    for (let i = n - inBatch; i < n; i++) batch[i] = parts[0] as unknown as ReadableSpan;
    for (let i = 0, slot = this.head; i < left; i++, slot = this.nextSlot(slot)) this.ring[slot] = parts[1];
    return batch;
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
