/**
 * Header capture (OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_*): each configured header becomes
 * `http.request.header.<name>` / `http.response.header.<name>` with a string array value, one
 * element per occurrence, as the semconv asks. Names are lower-case; attribute keys are built
 * once per configuration, so the request path only looks values up.
 *
 * The headers that carry credentials are recorded with every value `REDACTED`, even when named.
 * The conventions only ask for an explicit list; but a list copied from a tutorial, or one naming
 * `authorization` to see whether it is sent, must not put bearer tokens and session cookies into
 * the tracing backend. The attribute stays, so whether (and how often) it was sent is visible.
 */
import type { Span } from '@opentelemetry/api';
import { log } from '../../log';
import { MAX_CAPTURED_HEADERS, MAX_HEADER_VALUE_LENGTH, MAX_HEADER_VALUES, truncateValue } from '../../kit/limits';
import { ATTR_HTTP_REQUEST_HEADER_PREFIX, ATTR_HTTP_RESPONSE_HEADER_PREFIX } from './semconv';
import { REDACTED } from './url';

/**
 * Credentials by definition: RFC 9110 §11.6.2 / §11.7.2 (Authorization, Proxy-Authorization) and
 * RFC 6265 (Cookie, Set-Cookie). Lower-case, as capture names are compared.
 */
export const CREDENTIAL_HEADERS: readonly string[] = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie'];

export interface HeaderCapture {
  /** Lower-case header names, at most MAX_CAPTURED_HEADERS. */
  readonly names: readonly string[];
  /** The attribute key for names[i]. */
  readonly keys: readonly string[];
  /** Longest value kept (kit/limits.ts); longer ones are cut. */
  readonly valueLengthCap: number;
  /** True where names[i] is a credential header, whose values are recorded as REDACTED. */
  readonly redacted: readonly boolean[];
}

/** What header getters return across Node's APIs (getHeader, headers[...], headersDistinct). */
export type HeaderValue = string | number | readonly string[] | undefined | null;

/** undefined when nothing is captured, so callers skip the work with one comparison. */
export function compileHeaderCapture(
  names: readonly string[],
  direction: 'request' | 'response',
  valueLengthCap: number = MAX_HEADER_VALUE_LENGTH,
): HeaderCapture | undefined {
  const prefix = direction === 'request' ? ATTR_HTTP_REQUEST_HEADER_PREFIX : ATTR_HTTP_RESPONSE_HEADER_PREFIX;
  let unique = [...new Set(names.map((n) => n.trim().toLowerCase()).filter((n) => n.length > 0))];
  if (unique.length === 0) return undefined;
  if (unique.length > MAX_CAPTURED_HEADERS) {
    // Each name is looked up on every request, and each found one takes a slot of the span's
    // attribute count limit: a long list would crowd out the status code set at the response.
    log.warnOnce(
      'OTELI_W_HEADER_CAPTURE_LIMIT',
      `an OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_* list names ${unique.length} ${direction} headers; only the first ${MAX_CAPTURED_HEADERS} are captured`,
    );
    unique = unique.slice(0, MAX_CAPTURED_HEADERS);
  }
  return Object.freeze({
    names: unique,
    keys: unique.map((n) => prefix + n),
    redacted: unique.map((n) => CREDENTIAL_HEADERS.includes(n)),
    valueLengthCap,
  });
}

/**
 * The values as recorded: at most MAX_HEADER_VALUES occurrences, each cut to `cap`. The same
 * array when nothing needs cutting (one length check per value).
 */
export function capHeaderValues(values: readonly string[], cap: number): readonly string[] {
  let capped: string[] | undefined;
  const count = values.length > MAX_HEADER_VALUES ? MAX_HEADER_VALUES : values.length;
  if (count < values.length) capped = values.slice(0, count);
  for (let i = 0; i < count; i++) {
    if (values[i]!.length > cap) (capped ??= values.slice(0, count))[i] = truncateValue(values[i]!, cap);
  }
  return capped ?? values;
}

/** A getter result as the attribute's string array; undefined when the header is absent. */
export function headerValueToArray(value: HeaderValue): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return value.length === 0 ? undefined : value.map(String);
  return [String(value)];
}

/**
 * Values of `lowerName` in a flat [name, value, name, value…] list (Node's rawHeaders, undici's
 * header arrays), each occurrence separately and unjoined.
 */
export function valuesFromRawPairs(
  raw: readonly (string | Buffer)[],
  lowerName: string,
): string[] | undefined {
  let found: string[] | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = String(raw[i]);
    if (name.length === lowerName.length && name.toLowerCase() === lowerName) {
      (found ??= []).push(String(raw[i + 1]));
    }
  }
  return found;
}

/**
 * Values of `lowerName` in a serialized header block (`HTTP/1.1 200 OK\r\nA: b\r\n…\r\n\r\n`).
 * Node keeps what it actually sent in `_header`, including headers given straight to writeHead(),
 * which getHeader() never sees (Node only tracks setHeader()'d headers in that case).
 */
export function valuesFromHeaderBlock(block: string, lowerName: string): string[] | undefined {
  let found: string[] | undefined;
  const lines = block.split('\r\n');
  // Line 0 is the request or status line.
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    if (colon !== lowerName.length) continue;
    if (line.slice(0, colon).toLowerCase() !== lowerName) continue;
    (found ??= []).push(line.slice(colon + 1).trim());
  }
  return found;
}

/** Sets every captured header `lookup` finds on `span`; `lookup` gets lower-case names. */
export function setCapturedHeaders<S>(
  span: Span,
  capture: HeaderCapture,
  source: S,
  lookup: (source: S, lowerName: string) => string[] | undefined,
): void {
  const { names, keys, redacted, valueLengthCap } = capture;
  for (let i = 0; i < names.length; i++) {
    const values = lookup(source, names[i]!);
    if (values === undefined) continue;
    const capped = capHeaderValues(values, valueLengthCap);
    span.setAttribute(keys[i]!, redacted[i] ? capped.map(() => REDACTED) : (capped as string[]));
  }
}
