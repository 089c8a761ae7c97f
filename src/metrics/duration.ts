/**
 * A request's duration in seconds, for its duration metric. When the span is one of ours and has
 * ended, it is exactly the span's duration (the semconv ties the two together); a span that does
 * not record (sampled out) has no times, so the caller's own start reading is used.
 */
import type { Span } from '@opentelemetry/api';

interface TimedSpan {
  readonly startTimeUnixMs?: unknown;
  readonly endTimeUnixMs?: unknown;
}

export function durationSeconds(span: Span, startedAt: number): number {
  const { startTimeUnixMs, endTimeUnixMs } = span as unknown as TimedSpan;
  if (typeof startTimeUnixMs === 'number' && typeof endTimeUnixMs === 'number' && endTimeUnixMs >= startTimeUnixMs) {
    return (endTimeUnixMs - startTimeUnixMs) / 1000;
  }
  return (performance.now() - startedAt) / 1000;
}
