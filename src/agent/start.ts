/**
 * Starts the agent: config → SDK (provider, sampler, propagators, processors, exporters) →
 * global API registration → hooks (the enabled instrumentations and the agent's watchers) →
 * shutdown handlers. Called once per process, by ./preload.ts.
 */
import { readConfig } from '../config';
import { describeConfig } from '../config/describe';
import type { Config } from '../config/types';
import { log, setLogLevel } from '../log';
import { VERSION } from '../version';
import { TracerProvider } from '../sdk/tracer-provider';
import { createSampler } from '../sdk/samplers';
import { createResource } from '../sdk/resource';
import { AsyncLocalStorageContextManager } from '../sdk/context-manager';
import { createPropagator } from '../sdk/propagators';
import { BatchSpanProcessor } from '../sdk/batch-processor';
import { MultiSpanProcessor } from '../sdk/multi-processor';
import type { SpanExporter, SpanProcessor } from '../sdk/types';
import { installHooks } from '../hooks/install';
import { selectInstrumentations } from '../hooks/select';
import { makeInstrumentationContext } from '../kit/context';
import { WATCHERS } from './watchers';
import { INSTRUMENTATIONS } from '../instrumentations';
import { installShutdownHandlers } from './shutdown';
import { registerGlobals } from './globals';
import { isStoodDown } from './stand-down';
import { allOf } from './flushable';
import { checkBundledAtFirstExport } from './bundle-check';
import { MetricsRegistry } from '../metrics/registry';
import { PeriodicMetricReader, type MetricExporter } from '../metrics/periodic-reader';
import type { Resource } from '../sdk/types';

/** What tests and debugging tools can reach through globalThis[Symbol.for('otel-instrument')]. */
export interface AgentHandle {
  readonly version: string;
  openSpanCount(): number;
  forceFlush(): Promise<void>;
}

export const AGENT_HANDLE_KEY = Symbol.for('otel-instrument');

// Required on demand: start-up loads only the exporters the config names.
function createExporter(name: Config['tracesExporters'][number], config: Config): SpanExporter {
  if (name === 'console') {
    const { ConsoleSpanExporter } = require('../exporters/console-exporter') as typeof import('../exporters/console-exporter');
    return new ConsoleSpanExporter();
  }
  const { OtlpTraceExporter } = require('../exporters/otlp-trace-exporter') as typeof import('../exporters/otlp-trace-exporter');
  return new OtlpTraceExporter(config.otlp);
}

/** Metrics, when any exporter is set: the registry instrumentations record into, and its reader. */
function createMetrics(config: Config, resource: Resource): { registry: MetricsRegistry; reader: PeriodicMetricReader } | undefined {
  const { metrics } = config;
  const exporters: MetricExporter[] = [];
  for (const name of metrics.exporters) {
    if (name === 'otlp') {
      const { OtlpMetricExporter } = require('../exporters/otlp-metric-exporter') as typeof import('../exporters/otlp-metric-exporter');
      exporters.push(new OtlpMetricExporter(metrics.otlp));
    } else if (name === 'console') {
      const { ConsoleMetricExporter } = require('../exporters/console-metric-exporter') as typeof import('../exporters/console-metric-exporter');
      exporters.push(new ConsoleMetricExporter());
    }
  }
  const pulled = metrics.exporters.includes('prometheus');
  if (exporters.length === 0 && !pulled) return undefined;
  // A scrape reads running totals: delta collections for another exporter would reset them.
  if (pulled && metrics.temporality === 'delta' && exporters.length > 0) {
    log.info('metrics: cumulative temporality, as Prometheus needs, for every metric exporter (OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE asked for delta)');
  }
  const temporality = pulled ? 'cumulative' : metrics.temporality;
  const registry = new MetricsRegistry({ resource, temporality, cardinalityLimit: metrics.cardinalityLimit });
  if (pulled) {
    const { servePrometheus } = require('../exporters/prometheus-server') as typeof import('../exporters/prometheus-server');
    servePrometheus(registry, metrics.prometheus.host, metrics.prometheus.port);
  }
  if (metrics.runtime) {
    const { startRuntimeMetrics } = require('../metrics/runtime') as typeof import('../metrics/runtime');
    startRuntimeMetrics(registry.meter({ name: 'otel-instrument/runtime', version: VERSION }));
  }
  const reader = new PeriodicMetricReader(registry, exporters, { intervalMs: metrics.intervalMs, timeoutMs: metrics.timeoutMs, alsoPulled: pulled }).start();
  return { registry, reader };
}

function createProcessor(config: Config, enabledIds: ReadonlySet<string>): SpanProcessor {
  const processors = config.tracesExporters.map(
    (name) => new BatchSpanProcessor(checkBundledAtFirstExport(createExporter(name, config), enabledIds), config.bsp),
  );
  return processors.length === 1 ? processors[0] : new MultiSpanProcessor(processors);
}

/** Returns undefined when the SDK is disabled. Throws only on our own bugs; callers contain it. */
export function startAgent(config: Config = readConfig()): AgentHandle | undefined {
  setLogLevel(config.logLevel); // readConfig set it too; a config built elsewhere may differ
  if (config.sdkDisabled) {
    log.debug('OTEL_SDK_DISABLED=true: not starting');
    return undefined;
  }

  const selection = selectInstrumentations(INSTRUMENTATIONS, config);
  const processor = createProcessor(config, new Set(selection.enabled.map((def) => def.id)));
  const resource = createResource(config);
  const provider = new TracerProvider({
    resource,
    sampler: createSampler(config.sampler, config.samplerRatio),
    spanLimits: config.spanLimits,
    processor,
  });
  registerGlobals({
    tracerProvider: provider,
    contextManager: new AsyncLocalStorageContextManager().enable(),
    propagator: createPropagator(config.propagators),
  });
  // After the context manager: the Prometheus server listens in a suppressed context.
  const metrics = createMetrics(config, resource);

  installHooks({
    definitions: selection.enabled,
    disabled: selection.disabled,
    watchers: WATCHERS,
    makeContext: (def) =>
      makeInstrumentationContext(
        def,
        provider.getTracer(`otel-instrument/${def.id}`, VERSION),
        config,
        () => isStoodDown(def.id),
        metrics?.registry.meter({ name: `otel-instrument/${def.id}`, version: VERSION }),
      ),
  });
  installShutdownHandlers({
    processor: metrics === undefined ? processor : allOf([processor, metrics.reader]),
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    pendingSpans: () => processor.pendingSpanCount?.() ?? 0,
    reportAtExit: () => processor.reportAtExit?.(),
  });

  const handle: AgentHandle = {
    version: VERSION,
    openSpanCount: () => provider.openSpanCount(),
    forceFlush: () => provider.forceFlush(),
  };
  (globalThis as Record<symbol, unknown>)[AGENT_HANDLE_KEY] = handle;
  log.info(describeConfig(config));
  // Python's command line sets these too (--metrics_exporter otlp …): accepted, said once, no effect.
  if (config.notImplemented.length > 0) log.info(`not implemented yet, accepted and ignored: ${config.notImplemented.join(', ')}`);
  return handle;
}

