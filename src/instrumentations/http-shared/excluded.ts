/**
 * OTEL_NODE_HTTP_EXCLUDED_URLS: patterns whose requests get no span. `*` matches any run of
 * characters; everything else is literal. A pattern with `://` is matched against the whole URL
 * without its query (`http://collector:4318/*`), any other against the path alone (`/health`,
 * `/static/*`). Compiled once per pattern list into two anchored regular expressions.
 */

export interface ExcludedUrlMatcher {
  /** True when `path` (no query) or `url` (no query) matches a pattern. */
  (path: string, url?: string): boolean;
}

const compiled = new WeakMap<readonly string[], ExcludedUrlMatcher | undefined>();

function toRegExp(patterns: readonly string[]): RegExp | undefined {
  if (patterns.length === 0) return undefined;
  const alternatives = patterns.map((p) =>
    p
      .split('*')
      .map((literal) => literal.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*'),
  );
  return new RegExp(`^(?:${alternatives.join('|')})$`);
}

/**
 * The matcher for a pattern list, or undefined when nothing is excluded, so the hot path can skip
 * the call entirely: `if (isExcluded !== undefined && isExcluded(path))`.
 */
export function compileExcludedUrls(patterns: readonly string[]): ExcludedUrlMatcher | undefined {
  if (compiled.has(patterns)) return compiled.get(patterns);
  const cleaned = patterns.map((p) => p.trim()).filter((p) => p.length > 0);
  const pathRegExp = toRegExp(cleaned.filter((p) => !p.includes('://')));
  const urlRegExp = toRegExp(cleaned.filter((p) => p.includes('://')));
  let matcher: ExcludedUrlMatcher | undefined;
  if (pathRegExp !== undefined || urlRegExp !== undefined) {
    matcher = (path: string, url?: string): boolean =>
      (pathRegExp !== undefined && pathRegExp.test(path)) ||
      (urlRegExp !== undefined && url !== undefined && urlRegExp.test(url));
  }
  compiled.set(patterns, matcher);
  return matcher;
}

/** `/a/b?x=1` → `/a/b`. Same string when there is no query. */
export function pathWithoutQuery(pathAndQuery: string): string {
  const q = pathAndQuery.indexOf('?');
  return q === -1 ? pathAndQuery : pathAndQuery.slice(0, q);
}
