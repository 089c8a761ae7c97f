/**
 * Collects the registry every OTEL_METRIC_EXPORT_INTERVAL and hands the batch to each push
 * exporter (OTLP, console), each export bounded by OTEL_METRIC_EXPORT_TIMEOUT. The interval timer
 * is unref'd: it never holds the app open. On the way out it flushes like the span processor
 * (the shutdown handlers drive both through the same Flushable shape): asynchronously at
 * 'beforeExit' and on signals, synchronously at process.exit().
 *
 * An exporter whose backend refuses the signal for good (Jaeger's 404 on /v1/metrics, gRPC
 * UNIMPLEMENTED) has warned once; when no exporter is left, the timer stops and, unless a
 * Prometheus scrape still reads it, the registry stops recording: no warning per interval, no
 * memory kept.
 */
import { log } from '../log';
import type { ExportResult } from '../sdk/types';
import type { Flushable } from '../agent/flushable';
import type { MetricsBatch, MetricsRegistry } from './registry';
import { pointCount } from './registry';

export interface MetricExporter {
  export(batch: MetricsBatch): Promise<ExportResult>;
  exportSync?(batch: MetricsBatch, timeoutMs: number): void;
  prepareForExit?(): void;
  /** True once the backend said it does not take metrics at all. */
  readonly refusesSignal?: boolean;
  shutdown(): Promise<void>;
}

export interface PeriodicReaderOptions {
  readonly intervalMs: number;
  readonly timeoutMs: number;
  /** Someone else reads the registry too (a Prometheus scrape): it keeps recording whatever the push exporters do. */
  readonly alsoPulled?: boolean;
}

export class PeriodicMetricReader implements Flushable {
  private timer: NodeJS.Timeout | undefined;
  private exporting: Promise<void> | undefined;
  private active: MetricExporter[];

  constructor(
    private readonly registry: MetricsRegistry,
    exporters: readonly MetricExporter[],
    private readonly options: PeriodicReaderOptions,
  ) {
    this.active = [...exporters];
  }

  start(): this {
    if (this.active.length === 0) return this;
    this.timer = setInterval(() => void this.collectAndExport(), this.options.intervalMs);
    this.timer.unref();
    return this;
  }

  /** Measurements not exported yet (the shutdown handlers' "anything left to flush?"). */
  pendingSpanCount(): number {
    return this.active.length === 0 ? 0 : this.registry.uncollectedCount();
  }

  forceFlush(): Promise<void> {
    return this.collectAndExport();
  }

  prepareForExit(): void {
    for (const exporter of this.active) exporter.prepareForExit?.();
  }

  flushSync(timeoutMs: number): void {
    if (this.pendingSpanCount() === 0) return;
    const batch = this.registry.collect();
    if (pointCount(batch) === 0) return;
    for (const exporter of this.active) {
      try {
        if (exporter.exportSync !== undefined) exporter.exportSync(batch, timeoutMs);
        else void exporter.export(batch);
      } catch (err) {
        log.errorOnce('OTELI_E_METRICS_EXPORT', 'exporting metrics at exit failed', err);
      }
    }
  }

  async shutdown(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.collectAndExport();
    await Promise.all(this.active.map((exporter) => exporter.shutdown()));
  }

  /** One export at a time: a slow backend makes intervals wait, not pile up. */
  private collectAndExport(): Promise<void> {
    if (this.exporting !== undefined) return this.exporting;
    if (this.active.length === 0) return Promise.resolve();
    const batch = this.registry.collect();
    if (pointCount(batch) === 0) return Promise.resolve();
    this.exporting = this.exportToAll(batch).finally(() => (this.exporting = undefined));
    return this.exporting;
  }

  private async exportToAll(batch: MetricsBatch): Promise<void> {
    await Promise.all(
      this.active.map((exporter) =>
        withTimeout(exporter.export(batch), this.options.timeoutMs).catch((err: unknown) => {
          log.errorOnce('OTELI_E_METRICS_EXPORT', 'exporting metrics failed', err);
        }),
      ),
    );
    const refused = this.active.filter((exporter) => exporter.refusesSignal === true);
    if (refused.length === 0) return;
    this.active = this.active.filter((exporter) => !refused.includes(exporter));
    if (this.active.length > 0) return;
    if (this.timer !== undefined) clearInterval(this.timer);
    if (this.options.alsoPulled !== true) this.registry.stop();
  }
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), timeoutMs);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
