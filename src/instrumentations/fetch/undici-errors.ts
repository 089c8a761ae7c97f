/**
 * What the `undici:request:error` channel carries, classified: the error.type value, and whether
 * the "error" is only the app (or fetch's own garbage-collection hook) cancelling a body.
 */
import { errorTypeForError } from '../http-shared/error-type';
import { OTHER_VALUE } from '../http-shared/semconv';

function nameOf(error: unknown): string | undefined {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : undefined;
}

/**
 * `ECONNREFUSED`, `UND_ERR_SOCKET`, `UND_ERR_HEADERS_TIMEOUT`…; for a DOMException (fetch's
 * AbortSignal aborts) its name, `AbortError` / `TimeoutError`, since its numeric legacy `code`
 * and its class say nothing.
 */
export function errorTypeForUndiciError(error: unknown): string {
  if (typeof error !== 'object' || error === null) return OTHER_VALUE;
  if (typeof DOMException === 'function' && error instanceof DOMException) return error.name || OTHER_VALUE;
  return errorTypeForError(error);
}

/**
 * True for an abort that only stops reading a body: an AbortError (DOMException from fetch,
 * RequestAbortedError `UND_ERR_ABORTED` from undici's request API), or a non-Error reason, which
 * is what fetch passes when it cancels the body of a garbage-collected Response
 * ('Response object has been garbage collected', undici 5–7). Timeouts are not cancellations.
 */
export function isBodyCancellation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return true;
  return nameOf(error) === 'AbortError';
}
