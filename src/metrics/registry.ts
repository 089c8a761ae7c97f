/**
 * The agent's metrics: one histogram per (instrumentation scope, definition), created when an
 * instrumentation first asks for it, and observed values (runtime metrics) read by callbacks,
 * collected together for each export. Only our instrumentations record; the app's own
 * `metrics.getMeter()` stays the API's no-op.
 */
import type { Resource } from '../sdk/types';
import { log } from '../log';
import { nowMs } from '../sdk/time';
import { Histogram, type HistogramSnapshot, type Temporality } from './histogram';
import type { HistogramDefinition } from './instruments';
import type { Observation, ObservedDefinition, ObservedSnapshot } from './observed';

export interface InstrumentationScope {
  readonly name: string;
  readonly version: string;
}

export interface ScopeMetrics {
  readonly scope: InstrumentationScope;
  readonly histograms: readonly HistogramSnapshot[];
  readonly observed: readonly ObservedSnapshot[];
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
  /** `read` is called on every collection; what it throws is contained (logged once). */
  observe(definition: ObservedDefinition, read: () => readonly Observation[]): void;
}

interface ObservedEntry {
  readonly definition: ObservedDefinition;
  readonly read: () => readonly Observation[];
  readonly startTimeUnixMs: number;
}

export interface MetricsRegistryOptions {
  readonly resource: Resource;
  readonly temporality: Temporality;
  /** Attribute sets per instrument, the overflow point included. */
  readonly cardinalityLimit: number;
}

interface ScopeEntry {
  readonly scope: InstrumentationScope;
  readonly histograms: Map<string, Histogram>;
  readonly observed: ObservedEntry[];
}

export class MetricsRegistry {
  private readonly scopes = new Map<string, ScopeEntry>();
  private stopped = false;

  constructor(private readonly options: MetricsRegistryOptions) {}

  get temporality(): Temporality {
    return this.options.temporality;
  }

  meter(scope: InstrumentationScope): Meter {
    const entryOf = (): ScopeEntry => {
      let entry = this.scopes.get(scope.name);
      if (entry === undefined) {
        entry = { scope, histograms: new Map(), observed: [] };
        this.scopes.set(scope.name, entry);
      }
      return entry;
    };
    return {
      observe: (definition, read) => {
        entryOf().observed.push({ definition, read, startTimeUnixMs: nowMs() });
      },
      histogram: (definition) => {
        const entry = entryOf();
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
    for (const { scope, histograms, observed } of this.scopes.values()) {
      const snapshots = [...histograms.values()].map((h) => h.collect(temporality)).filter((s) => s.points.length > 0);
      const observations = this.stopped ? [] : observed.map(readObserved).filter((o) => o.observations.length > 0);
      if (snapshots.length > 0 || observations.length > 0) scopes.push({ scope, histograms: snapshots, observed: observations });
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

function readObserved({ definition, read, startTimeUnixMs }: ObservedEntry): ObservedSnapshot {
  try {
    return { definition, startTimeUnixMs, observations: read().filter((o) => Number.isFinite(o.value)) };
  } catch (err) {
    log.errorOnce('OTELI_E_METRICS_OBSERVE', `metrics: reading ${definition.name} failed`, err);
    return { definition, startTimeUnixMs, observations: [] };
  }
}

/** Data points in a batch: what "empty" means for an export. */
export function pointCount(batch: MetricsBatch): number {
  let count = 0;
  for (const scope of batch.scopes) {
    for (const histogram of scope.histograms) count += histogram.points.length;
    for (const observed of scope.observed) count += observed.observations.length;
  }
  return count;
}
