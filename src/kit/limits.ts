/**
 * How much of the app's input our instrumentations copy into a span. The spec's default value
 * length limit is infinite, so without caps a 1 MB URL or a 10 MB SQL text would be exported
 * whole: a span bigger than a gRPC collector takes in one message (4 MiB by default), which loses
 * its whole batch, and a queue of such spans holding gigabytes until it drains.
 *
 * - URLs (url.full, url.path, url.query, http.target, http.url): 8192 characters. RFC 9112 §3
 *   asks servers to take request lines of at least 8000 octets, and 8 KiB is where common
 *   servers and proxies stop (nginx's large_client_header_buffers), so real URLs stay whole.
 * - Header values (captured headers, user_agent.original, the Host and Forwarded values we read):
 *   8192 characters each, for the same reason.
 * - db.query.text: 10000 characters, Elastic APM's long_field_max_length for db statements
 *   (dd-trace cuts SQL at 5000, the Datadog agent's resource limit).
 *
 * When the user sets OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT or OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT,
 * that limit replaces these defaults (larger or smaller), so one number governs every attribute.
 *
 * Counts are bounded too: at most MAX_CAPTURED_HEADERS header names per capture list and
 * MAX_HEADER_VALUES occurrences per header, and MAX_CAPTURED_PARAMETERS pg parameters, so that
 * captured values never fill the span's attribute count limit (128) before the attributes set
 * when the response comes (status code, route, error.type).
 */
import type { Config } from '../config/types';

export const MAX_URL_LENGTH = 8192;
export const MAX_HEADER_VALUE_LENGTH = 8192;
export const MAX_QUERY_TEXT_LENGTH = 10000;
/** Header names per OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_* list; the rest are ignored (one warning). */
export const MAX_CAPTURED_HEADERS = 32;
/** Occurrences kept of one captured header (`x-a: 1`, `x-a: 2` …). */
export const MAX_HEADER_VALUES = 16;
/** db.query.parameter.<i> attributes per query. */
export const MAX_CAPTURED_PARAMETERS = 32;

/**
 * An instrumentation's cap for one kind of value: the user's value length limit when one is set
 * (it governs every attribute), else our default.
 */
export function valueLengthCap(config: Pick<Config, 'spanLimits'> | undefined, defaultCap: number): number {
  const limit = config?.spanLimits?.attributeValueLengthLimit;
  return limit !== undefined && Number.isFinite(limit) && limit >= 0 ? limit : defaultCap;
}

/**
 * A fresh flat copy of `value`. A slice of a string in V8 is a view (SlicedString) that keeps its
 * whole parent alive: 8 KiB cut from a 1 MB URL would hold the megabyte for as long as the span
 * waits in the export queue. Concatenating first makes slice() flatten into a new string that
 * holds only the kept characters (the trick dd-trace's truncateString relies on).
 */
export function detachedCopy(value: string): string {
  return (' ' + value).slice(1);
}

/**
 * `value` cut to at most `max` UTF-16 units, never splitting a surrogate pair (half a character
 * is invalid UTF-8 on the wire), as a detached copy. The same string when it fits: one length
 * comparison on the hot path.
 */
export function truncateValue(value: string, max: number): string {
  if (value.length <= max) return value;
  return detachedCopy(value.slice(0, cutIndex(value, max)));
}

/** Where to cut `value` to keep at most `max` units without leaving a lone high surrogate. */
export function cutIndex(value: string, max: number): number {
  if (max <= 0) return 0;
  const last = value.charCodeAt(max - 1);
  return last >= 0xd800 && last <= 0xdbff ? max - 1 : max;
}
