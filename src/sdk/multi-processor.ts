/**
 * Fans span events out to several processors (one per exporter in OTEL_TRACES_EXPORTER).
 * Each child is contained: one failing never stops the others nor reaches the app.
 */
import { log } from '../log';
import type { ReadableSpan, SpanProcessor } from './types';

export class MultiSpanProcessor implements SpanProcessor {
  private readonly processors: readonly SpanProcessor[];

  constructor(processors: readonly SpanProcessor[]) {
    this.processors = [...processors];
  }

  onStart(span: ReadableSpan): void {
    for (const processor of this.processors) {
      if (processor.onStart === undefined) continue;
      try {
        processor.onStart(span);
      } catch (err) {
        log.errorOnce('OTELI_E_PROCESSOR_ON_START', 'a span processor failed on span start', err);
      }
    }
  }

  onEnd(span: ReadableSpan): void {
    for (const processor of this.processors) {
      try {
        processor.onEnd(span);
      } catch (err) {
        log.errorOnce('OTELI_E_PROCESSOR_ON_END', 'a span processor failed on span end', err);
      }
    }
  }

  prepareForExit(): void {
    for (const processor of this.processors) processor.prepareForExit?.();
  }

  reportAtExit(): void {
    for (const processor of this.processors) processor.reportAtExit?.();
  }

  pendingSpanCount(): number {
    let pending = 0;
    for (const processor of this.processors) pending += processor.pendingSpanCount?.() ?? 0;
    return pending;
  }

  forceFlush(): Promise<void> {
    return this.each('forceFlush', (processor) => processor.forceFlush());
  }

  shutdown(): Promise<void> {
    return this.each('shutdown', (processor) => processor.shutdown());
  }

  /** Sequential by nature (each call blocks): later children get what is left of the budget. */
  flushSync(timeoutMs: number): void {
    const deadlineMs = performance.now() + timeoutMs;
    for (const processor of this.processors) {
      if (processor.flushSync === undefined) continue;
      try {
        processor.flushSync(Math.max(0, deadlineMs - performance.now()));
      } catch (err) {
        log.errorOnce('OTELI_E_PROCESSOR_FLUSH_SYNC', 'a span processor failed to flush at exit', err);
      }
    }
  }

  private async each(what: string, call: (processor: SpanProcessor) => Promise<void>): Promise<void> {
    await Promise.all(
      this.processors.map(async (processor) => {
        try {
          await call(processor);
        } catch (err) {
          log.errorOnce(`OTELI_E_PROCESSOR_${what.toUpperCase()}`, `a span processor failed to ${what}`, err);
        }
      }),
    );
  }
}
