/**
 * url.full for client spans, redacted as the stable HTTP semconv asks: credentials in the userinfo
 * become `REDACTED:REDACTED`, and the values of query parameters that carry signatures or keys
 * (pre-signed S3 / GCS / Azure URLs) become `REDACTED`. Everything else is left byte for byte.
 */

import { truncateValue } from '../../kit/limits';
import { REDACTED, REDACTED_USERINFO, SENSITIVE_QUERY_PARAMS, redactQueryValues } from '../../redact';

// The sensitive-parameter rule lives in ../../redact.ts, for recorded errors and log lines too.
export { REDACTED, SENSITIVE_QUERY_PARAMS, redactQueryValues };

const USERINFO = /^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)[^@/?#]*@/;

/** `https://user:pass@host/…` → `https://REDACTED:REDACTED@host/…`; same string if no userinfo. */
export function redactUserinfo(url: string): string {
  const at = url.indexOf('@');
  if (at === -1) return url;
  return url.replace(USERINFO, `$1${REDACTED_USERINFO}@`);
}

/**
 * A full URL string (as fetch sees it) made safe for url.full, and at most `maxLength` long.
 * Cut first, so the redaction never scans a megabyte (a cut value is still redacted whole: its
 * parameter name is before it), and again after, since `REDACTED` may be longer than what it
 * replaced.
 */
export function redactUrlFull(url: string, maxLength: number = Infinity): string {
  if (url.length <= maxLength) return redactQueryValues(redactUserinfo(url));
  return truncateValue(redactQueryValues(redactUserinfo(truncateValue(url, maxLength))), maxLength);
}

/** redactQueryValues of a path and query, at most `maxLength` long (cut as redactUrlFull does). */
export function redactTarget(pathAndQuery: string, maxLength: number): string {
  if (pathAndQuery.length <= maxLength) return redactQueryValues(pathAndQuery);
  return truncateValue(redactQueryValues(truncateValue(pathAndQuery, maxLength)), maxLength);
}

/** The default port of a scheme without its colon ('http', 'https'). */
export function defaultPortForScheme(scheme: string): number {
  return scheme === 'https' ? 443 : 80;
}

/**
 * url.full from the parts Node's http.request works with. The port is omitted when it is the
 * scheme's default, IPv6 hosts get their brackets back, and credentials never appear.
 */
export function formatUrlFull(
  scheme: string,
  hostname: string,
  port: number,
  pathAndQuery: string,
  hasUserinfo: boolean,
  maxLength: number = Infinity,
): string {
  const host = hostname.includes(':') && hostname[0] !== '[' ? `[${hostname}]` : hostname;
  const portPart = port === defaultPortForScheme(scheme) ? '' : `:${port}`;
  const userinfo = hasUserinfo ? `${REDACTED_USERINFO}@` : '';
  const path = pathAndQuery.length === 0 || pathAndQuery[0] !== '/' ? `/${pathAndQuery}` : pathAndQuery;
  return truncateValue(`${scheme}://${userinfo}${host}${portPart}${redactTarget(path, maxLength)}`, maxLength);
}
