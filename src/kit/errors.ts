/**
 * The one way an instrumentation records a failure on a span (semantic conventions): the
 * exception event (`exception.type`, `.message`, `.stacktrace`), `error.type`, and ERROR status
 * with the error's message. Whether a failure is an error of the span (a 4xx on a SERVER span is
 * not) is the caller's rule; how it is written down is this one.
 *
 * Messages quote URLs, credentials and all (undici's "Request cannot be constructed from a URL
 * that includes credentials: http://user:password@…"): url.full's redaction applies to every URL
 * in the message and the stack, so what url.full hides never comes back through an exception.
 */
import { SpanStatusCode, type Exception, type Span } from '@opentelemetry/api';
import { redactUrlsInText } from '../redact';
import { ATTR_ERROR_TYPE, OTHER_VALUE } from './semconv';

export interface RecordErrorOptions {
  /** `error.type`; omitted, the attribute is not set. */
  readonly errorType?: string;
  /** false: the exception event only, status left as it is (a SERVER span whose handler threw, which a 500 may or may not follow). */
  readonly setStatus?: boolean;
}

export function recordError(span: Span, error: unknown, options: RecordErrorOptions = {}): void {
  error = withRedactedUrls(error);
  span.recordException(toException(error));
  if (options.errorType !== undefined) span.setAttribute(ATTR_ERROR_TYPE, options.errorType);
  if (options.setStatus !== false) {
    const message = errorMessage(error);
    span.setStatus(message === '' ? { code: SpanStatusCode.ERROR } : { code: SpanStatusCode.ERROR, message });
  }
}

/**
 * `error` itself when its message and stack hold no URL secret (nearly always); otherwise a plain
 * copy of what recordException reads (code, name, message, stack) with them redacted. The app's
 * error object is never changed.
 */
export function withRedactedUrls(error: unknown): unknown {
  if (typeof error === 'string') return redactUrlsInText(error, 'sensitive');
  if (error === null || typeof error !== 'object') return error;
  const { code, name, message, stack } = error as { code?: unknown; name?: unknown; message?: unknown; stack?: unknown };
  const safeMessage = typeof message === 'string' ? redactUrlsInText(message, 'sensitive') : message;
  const safeStack = typeof stack === 'string' ? redactUrlsInText(stack, 'sensitive') : stack;
  if (safeMessage === message && safeStack === stack) return error;
  return { code, name, message: safeMessage, stack: safeStack };
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

/**
 * `error.type` for a failure before (or without) a response: `ECONNREFUSED`, `42601` (a pg
 * SQLSTATE), `UND_ERR_SOCKET`… from the error's `code`; a DOMException (an AbortSignal's abort
 * or timeout reason) gives its name, `AbortError` / `TimeoutError`, since its numeric legacy
 * `code` and its class say nothing; else the error's class name (`TypeError`); else `_OTHER`.
 */
export function errorTypeForError(err: unknown): string {
  if (err === null || typeof err !== 'object') return OTHER_VALUE;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && code.length > 0) return code;
  if (typeof DOMException === 'function' && err instanceof DOMException) return err.name || OTHER_VALUE;
  const name = (err as { constructor?: { name?: unknown } }).constructor?.name;
  if (typeof name === 'string' && name.length > 0 && name !== 'Object') return name;
  return OTHER_VALUE;
}

/**
 * For a wrapper whose call into the app threw, and which must not catch to find out what: a
 * catch that re-throws moves the error's origin to the wrapper, and the origin is the source
 * line Node.js prints above the stack when the error crashes the app. Instead the wrapper notes
 * its span from a `finally`, and the error is recorded on it (without a status) if it reaches
 * process's `uncaughtExceptionMonitor` before the next tick: if nobody caught it. An error the
 * app catches is the app's business, and is not recorded.
 */
export function recordErrorIfUncaught(span: Span): void {
  spanOfEscapingError = span;
  if (!monitoringUncaught) {
    monitoringUncaught = true;
    process.on('uncaughtExceptionMonitor', recordUncaught);
  }
  process.nextTick(forgetEscapingError);
}

let spanOfEscapingError: Span | undefined;
let monitoringUncaught = false;

function recordUncaught(error: unknown): void {
  const span = spanOfEscapingError;
  spanOfEscapingError = undefined;
  if (span === undefined) return;
  try {
    recordError(span, error, { setStatus: false });
  } catch {
    // best effort: the app's own error is what is being reported
  }
}

function forgetEscapingError(): void {
  spanOfEscapingError = undefined;
}
