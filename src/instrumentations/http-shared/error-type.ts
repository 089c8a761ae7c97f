/**
 * error.type values: a status code as a string for HTTP-level failures, a low-cardinality
 * identifier (Node's `code`, else the error's class name) for failures before a response.
 */
import { OTHER_VALUE } from './semconv';

/** Status codes repeat a lot: keep their string forms instead of allocating one per span. */
const statusStrings = new Map<number, string>();

export function errorTypeForStatus(statusCode: number): string {
  let text = statusStrings.get(statusCode);
  if (text === undefined) {
    text = String(statusCode);
    if (statusStrings.size < 1000) statusStrings.set(statusCode, text);
  }
  return text;
}

/**
 * `ECONNREFUSED`, `UND_ERR_SOCKET`, `TypeError`… or `_OTHER` when nothing identifies it. A
 * DOMException (an AbortSignal's abort or timeout reason) gives its name, `AbortError` /
 * `TimeoutError`: its numeric legacy `code` and its class say nothing.
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
