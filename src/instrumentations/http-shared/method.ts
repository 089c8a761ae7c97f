/**
 * http.request.method normalization. The spec's "known" methods are RFC 9110's plus PATCH
 * (RFC 5789), matched case-sensitively; anything else is reported as `_OTHER` with the original
 * in http.request.method_original, and the span is named `HTTP`.
 *
 * OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS replaces that set (the semconv says a configured list
 * overrides the default rather than extending it). Each list is compiled once into a normalizer;
 * the request path only does a Set lookup.
 */
import { OTHER_VALUE } from './semconv';

/** The default set, also the default of OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS in --help. */
export const DEFAULT_KNOWN_METHODS: readonly string[] = Object.freeze([
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
export type MethodNormalizer = (method: string) => string;

function normalizerFor(known: ReadonlySet<string>): MethodNormalizer {
  return (method: string): string => (known.has(method) ? method : OTHER_VALUE);
}

/** Normalizes against the default set. */
export const normalizeMethod: MethodNormalizer = normalizerFor(new Set(DEFAULT_KNOWN_METHODS));

const compiled = new WeakMap<readonly string[], MethodNormalizer>();

/**
 * The normalizer for a configured list (config.http.knownMethods); undefined, as in a Config
 * built by hand, means the default set.
 */
export function compileKnownMethods(knownMethods: readonly string[] | undefined): MethodNormalizer {
  if (knownMethods === undefined) return normalizeMethod;
  let normalizer = compiled.get(knownMethods);
  if (normalizer === undefined) {
    normalizer = normalizerFor(new Set(knownMethods));
    compiled.set(knownMethods, normalizer);
  }
  return normalizer;
}

/** `{method}` for a span name: the known method, or `HTTP` when it is `_OTHER` (spec: span name). */
export function spanNameForMethod(normalizedMethod: string): string {
  return normalizedMethod === OTHER_VALUE ? 'HTTP' : normalizedMethod;
}
