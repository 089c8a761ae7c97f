/**
 * Batch span processor (OTel SDK spec): a bounded queue drained in batches by one export at a
 * time, every scheduleDelayMs or as soon as a full batch is waiting.
 *
 * The queue is a preallocated ring, so onEnd does no allocation in the common case and a full
 * queue drops the new span (counted) instead of growing or blocking the app. The timer exists
 * only while spans wait, and is unref'd: the processor never keeps the process alive. At
 * process 'exit', flushSync hands whatever is left, including the batch of an export that can
 * no longer complete, to the exporter's synchronous path.
 */
import { ROOT_CONTEXT, TraceFlags, context } from '@opentelemetry/api';
import { log } from '../log';
import type { BatchProcessorConfig } from '../config/types';
import { suppressTracing } from './suppress-tracing';
import type { ReadableSpan, SpanExporter, SpanProcessor } from './types';

export class BatchSpanProcessor implements SpanProcessor {
  private readonly ring: (ReadableSpan | undefined)[];
  private readonly capacity: number;
  private readonly batchSize: number;
  private head = 0;
  private count = 0;
  /** Monotonic counters: forceFlush waits until everything queued before it has been taken. */
  private enqueuedTotal = 0;
  private dequeuedTotal = 0;
  private dropped = 0;

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
    this.ring = new Array<ReadableSpan | undefined>(this.capacity).fill(undefined);
  }

  /** Spans refused because the queue was full. */
  get droppedSpanCount(): number {
    return this.dropped;
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
        this.dropped++;
        if (this.dropped === 1) {
          log.warnOnce(
            'OTELI_W_BSP_QUEUE_FULL',
            `span queue full (${this.capacity}); dropping new spans until exports catch up (raise OTEL_BSP_MAX_QUEUE_SIZE?)`,
          );
        }
        return;
      }
      let slot = this.head + this.count;
      if (slot >= this.capacity) slot -= this.capacity;
      this.ring[slot] = span;
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
      this.inFlightBatch = undefined;
      if (spans.length === 0) return;
      if (this.exporter.exportSync === undefined) {
        log.debug(`dropping ${spans.length} spans at exit: the exporter has no synchronous path`);
        return;
      }
      this.exporter.exportSync(spans, timeoutMs);
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

  /** Takes up to n spans off the queue's head into a new array, freeing their slots. */
  private take(n: number): ReadableSpan[] {
    const batch = new Array<ReadableSpan>(n);
    for (let i = 0; i < n; i++) {
      batch[i] = this.ring[this.head]!;
      this.ring[this.head] = undefined;
      this.head = this.head + 1 === this.capacity ? 0 : this.head + 1;
    }
    this.count -= n;
    this.dequeuedTotal += n;
    return batch;
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

  /** Resolves when the export settles or exportTimeoutMs passes; never rejects. */
  private exportWithTimeout(batch: ReadableSpan[]): Promise<void> {
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
        this.exporter.export(batch).then(settle, (err: unknown) => {
          log.errorOnce('OTELI_E_BSP_EXPORT', 'the exporter rejected instead of reporting FAILED', err);
          settle();
        });
      } catch (err) {
        log.errorOnce('OTELI_E_BSP_EXPORT', 'the exporter threw', err);
        settle();
      }
    });
  }
}
