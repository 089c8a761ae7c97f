/**
 * The one way an instrumentation records a failure on a span (semantic conventions): the
 * exception event (`exception.type`, `.message`, `.stacktrace`), `error.type`, and ERROR status
 * with the error's message. Whether a failure is an error of the span (a 4xx on a SERVER span is
 * not) is the caller's rule; how it is written down is this one.
 */
import { SpanStatusCode, type Exception, type Span } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE } from './semconv';

export interface RecordErrorOptions {
  /** `error.type`; omitted, the attribute is not set. */
  readonly errorType?: string;
  /** false: the exception event only, status left as it is (a SERVER span whose handler threw, which a 500 may or may not follow). */
  readonly setStatus?: boolean;
}

export function recordError(span: Span, error: unknown, options: RecordErrorOptions = {}): void {
  span.recordException(toException(error));
  if (options.errorType !== undefined) span.setAttribute(ATTR_ERROR_TYPE, options.errorType);
  if (options.setStatus !== false) {
    const message = errorMessage(error);
    span.setStatus(message === '' ? { code: SpanStatusCode.ERROR } : { code: SpanStatusCode.ERROR, message });
  }
}

/** What recordException takes: an Error or exception-shaped object as is, anything else as a string. */
export function toException(error: unknown): Exception {
  if (error instanceof Error || typeof error === 'string') return error;
  if (error !== null && typeof error === 'object') return error as Exception;
  return String(error);
}

export function errorMessage(error: unknown): string {
  if (typeof error === 'string') return error;
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : '';
}
