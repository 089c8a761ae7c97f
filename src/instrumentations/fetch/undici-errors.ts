/**
 * What the `undici:request:error` channel carries: whether the "error" is only the app (or
 * fetch's own garbage-collection hook) cancelling a body. Its error.type comes from
 * http-shared/error-type.ts like every other HTTP error's.
 */

function nameOf(error: unknown): string | undefined {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : undefined;
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
