/**
 * http.request.method normalization. The spec's "known" methods are RFC 9110's plus PATCH
 * (RFC 5789), matched case-sensitively; anything else is reported as `_OTHER` with the original
 * in http.request.method_original, and the span is named `HTTP`.
 */
import { OTHER_VALUE } from './semconv';

const KNOWN_METHODS: ReadonlySet<string> = new Set([
  'CONNECT',
  'DELETE',
  'GET',
  'HEAD',
  'OPTIONS',
  'PATCH',
  'POST',
  'PUT',
  'TRACE',
]);

/** The value for http.request.method: the method itself when known, else `_OTHER`. */
export function normalizeMethod(method: string): string {
  return KNOWN_METHODS.has(method) ? method : OTHER_VALUE;
}

/** `{method}` for a span name: the known method, or `HTTP` when it is `_OTHER` (spec: span name). */
export function spanNameForMethod(normalizedMethod: string): string {
  return normalizedMethod === OTHER_VALUE ? 'HTTP' : normalizedMethod;
}
