/**
 * OTEL_METRICS_EXPORTER=console: a readable summary on stderr at exit, in the spirit of the
 * console span tree. Per metric and per series (its attributes but the outcome ones, so one line
 * per route or per peer): count, error rate, and p50 / p99 estimated from the buckets (linear
 * within a bucket, clamped to the observed min and max). It keeps running totals across
 * intervals, whatever the temporality, so the summary covers the whole run.
 */
import type { Attributes } from '../sdk/types';
import type { HistogramPoint } from '../metrics/histogram';
import type { MetricExporter } from '../metrics/periodic-reader';
import type { MetricsBatch } from '../metrics/registry';
import { ExportResultCode, type ExportResult } from '../sdk/types';

/** Attributes that say how a request ended: they split the error rate, not the series. */
const OUTCOME_ATTRIBUTES = new Set(['http.response.status_code', 'error.type', 'db.response.status_code']);

interface SeriesTotal {
  count: number;
  errors: number;
  min: number;
  max: number;
  boundaries: readonly number[];
  buckets: number[];
}

const SUCCESS: ExportResult = { code: ExportResultCode.SUCCESS };

function seriesLabel(attributes: Attributes): string {
  return Object.entries(attributes)
    .filter(([key]) => !OUTCOME_ATTRIBUTES.has(key))
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(' ');
}

/** The q-quantile of a bucketed distribution, in the histogram's unit. */
export function estimateQuantile(total: Pick<SeriesTotal, 'count' | 'min' | 'max' | 'boundaries' | 'buckets'>, q: number): number {
  const rank = q * total.count;
  let seen = 0;
  for (let i = 0; i < total.buckets.length; i++) {
    const inBucket = total.buckets[i]!;
    if (inBucket === 0 || seen + inBucket < rank) {
      seen += inBucket;
      continue;
    }
    const lower = Math.max(i === 0 ? total.min : total.boundaries[i - 1]!, total.min);
    const upper = Math.min(i < total.boundaries.length ? total.boundaries[i]! : total.max, total.max);
    return lower + (upper - lower) * ((rank - seen) / inBucket);
  }
  return total.max;
}

function formatSeconds(seconds: number): string {
  return seconds < 1 ? `${(seconds * 1000).toFixed(seconds < 0.01 ? 2 : 1)} ms` : `${seconds.toFixed(2)} s`;
}

export class ConsoleMetricExporter implements MetricExporter {
  /** metric name → series label → running total. */
  private readonly totals = new Map<string, Map<string, SeriesTotal>>();
  private readonly cumulativeSeen = new Map<string, HistogramPoint>();
  private printed = false;
  private listening = false;

  export(batch: MetricsBatch): Promise<ExportResult> {
    this.merge(batch);
    // Registered on the first export, so after the agent's own 'exit' listener: whatever that
    // one flushes synchronously is in the summary. process.exit() flushes through exportSync.
    if (!this.listening) {
      this.listening = true;
      process.once('exit', () => this.print());
    }
    return Promise.resolve(SUCCESS);
  }

  exportSync(batch: MetricsBatch): void {
    this.merge(batch);
    this.print();
  }

  shutdown(): Promise<void> {
    this.print();
    return Promise.resolve();
  }

  private merge(batch: MetricsBatch): void {
    for (const { scope, histograms } of batch.scopes) {
      for (const { definition, temporality, points } of histograms) {
        let series = this.totals.get(definition.name);
        if (series === undefined) this.totals.set(definition.name, (series = new Map()));
        // http and undici both record http.client.request.duration: one series, two scopes' points.
        const pointPrefix = `${scope.name}\u0000${definition.name}`;
        for (const point of points) this.add(series, pointPrefix, definition.boundaries, point, temporality === 'cumulative');
      }
    }
  }

  private print(): void {
    if (this.printed) return;
    this.printed = true;
    const lines: string[] = [];
    for (const [name, series] of this.totals) {
      lines.push(name);
      for (const [label, total] of series) {
        const errorRate = total.count === 0 ? 0 : (100 * total.errors) / total.count;
        lines.push(
          `  ${label || '(all)'}: count ${total.count}, ${errorRate.toFixed(1)} % errors, p50 ${formatSeconds(estimateQuantile(total, 0.5))}, p99 ${formatSeconds(estimateQuantile(total, 0.99))}`,
        );
      }
    }
    if (lines.length > 0) {
      try {
        process.stderr.write(`[otel-instrument] metrics:\n${lines.join('\n')}\n`);
      } catch {
        // stderr closed: nothing to do
      }
    }
  }

  private add(series: Map<string, SeriesTotal>, pointPrefix: string, boundaries: readonly number[], point: HistogramPoint, cumulative: boolean): void {
    // A cumulative point repeats what came before: count only its growth since the last one.
    const pointKey = `${pointPrefix}\u0000${JSON.stringify(point.attributes)}`;
    const previous = cumulative ? this.cumulativeSeen.get(pointKey) : undefined;
    if (cumulative) this.cumulativeSeen.set(pointKey, point);
    const label = seriesLabel(point.attributes);
    let total = series.get(label);
    if (total === undefined) {
      total = { count: 0, errors: 0, min: Infinity, max: -Infinity, boundaries, buckets: new Array<number>(boundaries.length + 1).fill(0) };
      series.set(label, total);
    }
    const count = point.count - (previous?.count ?? 0);
    total.count += count;
    const status = point.attributes['http.response.status_code'];
    if (point.attributes['error.type'] !== undefined || (typeof status === 'number' && status >= 500)) total.errors += count;
    total.min = Math.min(total.min, point.min);
    total.max = Math.max(total.max, point.max);
    point.bucketCounts.forEach((n, i) => (total!.buckets[i]! += n - (previous?.bucketCounts[i] ?? 0)));
  }
}
