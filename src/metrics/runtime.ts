/**
 * Node.js runtime metrics, opt-in (OTEL_NODE_RUNTIME_METRICS=true), named as the semantic
 * conventions name them (runtime: V8 JS and Node.js):
 * - nodejs.eventloop.delay.{min,max,mean,stddev,p50,p90,p99} (gauges, s): the event-loop delay
 *   since the previous collection (perf_hooks.monitorEventLoopDelay, reset on each read);
 * - nodejs.eventloop.utilization (gauge, 1) since the previous collection;
 * - v8js.memory.heap.used, v8js.memory.heap.limit, v8js.memory.heap.space.available_size
 *   (updowncounters, By) per v8js.heap.space.name;
 * - v8js.gc.duration (histogram, s, by v8js.gc.type), from the runtime's gc performance entries.
 * Nothing here holds the process open: the delay monitor's timer and the observer are unref'd by
 * Node itself.
 */
import { constants, monitorEventLoopDelay, performance, PerformanceObserver, type EventLoopUtilization } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import type { HistogramDefinition } from './instruments';
import type { Observation } from './observed';
import type { Meter } from './registry';

export const V8JS_GC_DURATION: HistogramDefinition = Object.freeze({
  name: 'v8js.gc.duration',
  unit: 's',
  description: 'Garbage collection duration.',
  boundaries: Object.freeze([0.01, 0.1, 1, 10]),
});

const GC_TYPES: Readonly<Record<number, string>> = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

const NS_PER_S = 1e9;

export function startRuntimeMetrics(meter: Meter): void {
  const delay = monitorEventLoopDelay({ resolution: 20 });
  delay.enable();
  // Read together (all seven from one window), then reset for the next one.
  let window: Record<string, number> | undefined;
  const readWindow = (): Record<string, number> => {
    if (window === undefined) {
      window = {
        count: delay.count,
        min: delay.min / NS_PER_S,
        max: delay.max / NS_PER_S,
        mean: delay.mean / NS_PER_S,
        stddev: delay.stddev / NS_PER_S,
        p50: delay.percentile(50) / NS_PER_S,
        p90: delay.percentile(90) / NS_PER_S,
        p99: delay.percentile(99) / NS_PER_S,
      };
      delay.reset();
      // The next collection takes a new window; observations of one collection run in a row.
      queueMicrotask(() => (window = undefined));
    }
    return window;
  };
  for (const stat of ['min', 'max', 'mean', 'stddev', 'p50', 'p90', 'p99']) {
    meter.observe(
      { name: `nodejs.eventloop.delay.${stat}`, unit: 's', description: `Event loop ${stat} delay.`, kind: 'gauge' },
      () => {
        const read = readWindow();
        // No sample in the window (shorter than the resolution): nothing to say.
        return read.count === 0 ? [] : [{ attributes: {}, value: read[stat]! }];
      },
    );
  }

  let lastUtilization: EventLoopUtilization = performance.eventLoopUtilization();
  meter.observe({ name: 'nodejs.eventloop.utilization', unit: '1', description: 'Event loop utilization.', kind: 'gauge' }, () => {
    const now = performance.eventLoopUtilization();
    const since = performance.eventLoopUtilization(now, lastUtilization);
    lastUtilization = now;
    return [{ attributes: {}, value: since.utilization }];
  });

  const heap = (name: string, description: string, field: 'space_used_size' | 'space_size' | 'space_available_size'): void =>
    meter.observe({ name, unit: 'By', description, kind: 'updowncounter' }, (): Observation[] =>
      getHeapSpaceStatistics().map((space) => ({ attributes: { 'v8js.heap.space.name': space.space_name }, value: space[field] })),
    );
  heap('v8js.memory.heap.used', 'Heap memory used.', 'space_used_size');
  heap('v8js.memory.heap.limit', 'Heap memory size allocated.', 'space_size');
  heap('v8js.memory.heap.space.available_size', 'Heap space available size.', 'space_available_size');

  const gcDuration = meter.histogram(V8JS_GC_DURATION);
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as { detail?: { kind?: number } }).detail?.kind;
      const type = kind === undefined ? undefined : GC_TYPES[kind];
      gcDuration.record(entry.duration / 1000, type === undefined ? {} : { 'v8js.gc.type': type });
    }
  });
  observer.observe({ entryTypes: ['gc'] });
}
