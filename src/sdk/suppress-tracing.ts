/**
 * A context flag that says "do not trace what happens under me". The exporter sends its own
 * requests under it so our http instrumentation never traces the export (which would loop).
 * createContextKey() is Symbol.for(description), so this is the very key @opentelemetry/core
 * uses: an official exporter in the app suppresses our instrumentations, and ours suppress theirs.
 */
import { createContextKey, type Context } from '@opentelemetry/api';

const SUPPRESS_TRACING_KEY = createContextKey('OpenTelemetry SDK Context Key SUPPRESS_TRACING');

export function suppressTracing(ctx: Context): Context {
  return ctx.setValue(SUPPRESS_TRACING_KEY, true);
}

export function isTracingSuppressed(ctx: Context): boolean {
  return ctx.getValue(SUPPRESS_TRACING_KEY) === true;
}
