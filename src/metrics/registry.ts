/**
 * The agent's metrics: one histogram per (instrumentation scope, definition), created when an
 * instrumentation first asks for it, collected together for each export. Only our
 * instrumentations record; the app's own `metrics.getMeter()` stays the API's no-op.
 */
import type { Resource } from '../sdk/types';
import { nowMs } from '../sdk/time';
import { Histogram, type HistogramSnapshot, type Temporality } from './histogram';
import type { HistogramDefinition } from './instruments';

export interface InstrumentationScope {
  readonly name: string;
  readonly version: string;
}

export interface ScopeMetrics {
  readonly scope: InstrumentationScope;
  readonly histograms: readonly HistogramSnapshot[];
}

/** One collection: what an exporter sends. */
export interface MetricsBatch {
  readonly resource: Resource;
  /** When the collection was made. */
  readonly timeUnixMs: number;
  readonly scopes: readonly ScopeMetrics[];
}

/** What an instrumentation records into; its histograms carry its scope. */
export interface Meter {
  histogram(definition: HistogramDefinition): Histogram;
}

export interface MetricsRegistryOptions {
  readonly resource: Resource;
  readonly temporality: Temporality;
  /** Attribute sets per instrument, the overflow point included. */
  readonly cardinalityLimit: number;
}

export class MetricsRegistry {
  private readonly scopes = new Map<string, { scope: InstrumentationScope; histograms: Map<string, Histogram> }>();
  private stopped = false;

  constructor(private readonly options: MetricsRegistryOptions) {}

  get temporality(): Temporality {
    return this.options.temporality;
  }

  meter(scope: InstrumentationScope): Meter {
    return {
      histogram: (definition) => {
        let entry = this.scopes.get(scope.name);
        if (entry === undefined) {
          entry = { scope, histograms: new Map() };
          this.scopes.set(scope.name, entry);
        }
        let histogram = entry.histograms.get(definition.name);
        if (histogram === undefined) {
          histogram = new Histogram(definition, this.options.cardinalityLimit, nowMs);
          if (this.stopped) histogram.stop();
          entry.histograms.set(definition.name, histogram);
        }
        return histogram;
      },
    };
  }

  /** A collection of every histogram that has points (delta: and a fresh interval for each). */
  collect(temporality: Temporality = this.options.temporality): MetricsBatch {
    const scopes: ScopeMetrics[] = [];
    for (const { scope, histograms } of this.scopes.values()) {
      const snapshots = [...histograms.values()].map((h) => h.collect(temporality)).filter((s) => s.points.length > 0);
      if (snapshots.length > 0) scopes.push({ scope, histograms: snapshots });
    }
    return { resource: this.options.resource, timeUnixMs: nowMs(), scopes };
  }

  /** Measurements not collected yet. */
  uncollectedCount(): number {
    let count = 0;
    for (const { histograms } of this.scopes.values()) for (const histogram of histograms.values()) count += histogram.recordsSinceCollect;
    return count;
  }

  /** Nothing will ever be exported: record nothing and keep nothing from now on. */
  stop(): void {
    this.stopped = true;
    for (const { histograms } of this.scopes.values()) for (const histogram of histograms.values()) histogram.stop();
  }
}

/** Data points in a batch: what "empty" means for an export. */
export function pointCount(batch: MetricsBatch): number {
  let count = 0;
  for (const scope of batch.scopes) for (const histogram of scope.histograms) count += histogram.points.length;
  return count;
}
