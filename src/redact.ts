/**
 * Secrets in URLs written into free text: error messages we record and lines we log. The
 * semantic conventions' url.full rules, applied to every URL such a text holds: userinfo becomes
 * `REDACTED:REDACTED`, and query values become `REDACTED` (the sensitive parameters for recorded
 * errors, as url.query; every parameter in our log lines, which never need one). Texts without
 * `://` are returned as they are, so the common case costs one indexOf.
 *
 * A leaf module (no imports): log.ts, the config and the instrumentations all use it.
 */

export const REDACTED = 'REDACTED';
export const REDACTED_USERINFO = `${REDACTED}:${REDACTED}`;

/**
 * The query parameters whose values url.full and url.query redact by default: the semconv list
 * (AWSAccessKeyId, Signature, sig, X-Goog-Signature) plus the SigV4 parameters that are just as
 * secret. Matched case-sensitively, as the spec lists them.
 */
export const SENSITIVE_QUERY_PARAMS: readonly string[] = [
  'AWSAccessKeyId',
  'Signature',
  'sig',
  'X-Goog-Signature',
  'X-Amz-Signature',
  'X-Amz-Credential',
  'X-Amz-Security-Token',
];
const paramNames = SENSITIVE_QUERY_PARAMS.map((n) => n.replace(/[-.]/g, '\\$&')).join('|');
/** Non-global, so `.test` keeps no lastIndex state between requests. */
const HAS_SENSITIVE_PARAM = new RegExp(`(?:^|[?&])(?:${paramNames})=`);
const SENSITIVE_PARAM_VALUE = new RegExp(`((?:^|[?&])(?:${paramNames})=)[^&#]*`, 'g');

/**
 * Redacts sensitive parameter values in a query string, a path with a query, or a whole URL
 * (url.query and url.full on the request path). Returns the very same string when there is
 * nothing to redact (the common case).
 */
export function redactQueryValues(text: string): string {
  const queryStart = text.indexOf('?');
  if (queryStart === -1 && text.indexOf('=') === -1) return text;
  // Only the part after '?' is a query; a bare query (no '?') is scanned whole.
  const query = queryStart === -1 ? text : text.slice(queryStart);
  if (!HAS_SENSITIVE_PARAM.test(query)) return text;
  const redacted = query.replace(SENSITIVE_PARAM_VALUE, `$1${REDACTED}`);
  return queryStart === -1 ? redacted : text.slice(0, queryStart) + redacted;
}

export type QueryRedaction = 'sensitive' | 'all';

/** A URL in running text: a scheme, `://`, then anything up to whitespace or a quote. */
const URL_IN_TEXT = /[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^\s"'<>`]+/g;

function redactQuery(query: string, which: QueryRedaction): string {
  if (which === 'sensitive') return redactQueryValues(query);
  return query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      return eq === -1 ? pair : `${pair.slice(0, eq + 1)}${REDACTED}`;
    })
    .join('&');
}

/**
 * One URL, or what was meant as one: `scheme://user:pass@host/p?q#f`, and also the scheme-less
 * `user:pass@host:4318` a user may put in an endpoint setting (the warning about it quotes it).
 */
export function redactUrlText(url: string, which: QueryRedaction = 'all'): string {
  const schemeEnd = url.indexOf('://');
  const authorityStart = schemeEnd === -1 ? 0 : schemeEnd + 3;
  let authorityEnd = authorityStart;
  while (authorityEnd < url.length && !'/?#'.includes(url[authorityEnd]!)) authorityEnd++;
  const at = url.lastIndexOf('@', authorityEnd - 1);
  let out = at >= authorityStart ? `${url.slice(0, authorityStart)}${REDACTED_USERINFO}${url.slice(at)}` : url;
  const queryStart = out.indexOf('?');
  if (queryStart === -1) return out;
  const hash = out.indexOf('#', queryStart);
  const queryEnd = hash === -1 ? out.length : hash;
  out = `${out.slice(0, queryStart + 1)}${redactQuery(out.slice(queryStart + 1, queryEnd), which)}${out.slice(queryEnd)}`;
  return out;
}

/** Every `scheme://…` URL in `text` through redactUrlText; the same string when there is none. */
export function redactUrlsInText(text: string, which: QueryRedaction): string {
  if (text.indexOf('://') === -1) return text;
  return text.replace(URL_IN_TEXT, (url) => redactUrlText(url, which));
}
