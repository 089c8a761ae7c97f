/**
 * Registers our SDK as the global tracer provider, context manager and propagator of
 * @opentelemetry/api, so an app's own manual spans (through any copy of the API) join ours.
 */
import * as api from '@opentelemetry/api';
import { log } from './log';

export interface GlobalSdkParts {
  readonly tracerProvider: api.TracerProvider;
  readonly contextManager: api.ContextManager;
  readonly propagator: api.TextMapPropagator;
}

export function registerGlobals(parts: GlobalSdkParts): void {
  const ok =
    api.context.setGlobalContextManager(parts.contextManager) &&
    api.trace.setGlobalTracerProvider(parts.tracerProvider) &&
    api.propagation.setGlobalPropagator(parts.propagator);
  if (!ok) {
    log.warnOnce(
      'OTELI_W_GLOBAL_TAKEN',
      'another OpenTelemetry SDK registered the global API first; app spans made through it will not reach otel-instrument',
    );
  }
}
