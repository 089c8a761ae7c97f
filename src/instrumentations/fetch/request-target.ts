/**
 * Where an undici request goes: the full URL and the server address and port, taken from the
 * Request's `origin` and `path` as undici will send them (after fetch resolved redirects, so each
 * hop gets its own span and its own URL).
 */
import type { UndiciRequest } from './undici-types';

export interface RequestTarget {
  /** Not yet redacted. */
  readonly url: string;
  /** The path without its query, for OTEL_NODE_HTTP_EXCLUDED_URLS. */
  readonly path: string;
  /** Path and query, not yet redacted (the old http.target). */
  readonly pathAndQuery: string;
  /** `host[:port]`, the port only when not the scheme's default: what undici sends as Host. */
  readonly host: string;
  readonly serverAddress: string;
  readonly serverPort: number;
}

const DEFAULT_PORTS: Readonly<Record<string, number>> = { 'http:': 80, 'https:': 443, 'ws:': 80, 'wss:': 443 };

function isAbsoluteUrl(path: string): boolean {
  return path.startsWith('http://') || path.startsWith('https://');
}

/** What one origin string parses to, kept so a request to a known origin parses only its path. */
interface OriginParts {
  readonly host: string;
  readonly serverAddress: string;
  readonly serverPort: number;
}

// Keyed by the origin string exactly as undici holds it; only origins that are already in the
// WHATWG serialization (what URL#origin returns, which is what fetch and undici's own API pass)
// are kept, so `origin + path` is the href for the paths isPlainPath accepts.
const originCache = new Map<string, OriginParts>();
const ORIGIN_CACHE_MAX = 256;

function originParts(origin: string): OriginParts | undefined {
  const cached = originCache.get(origin);
  if (cached !== undefined) return cached;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return undefined;
  }
  if (url.origin !== origin) return undefined;
  const parts = partsOf(url);
  if (originCache.size < ORIGIN_CACHE_MAX) originCache.set(origin, parts);
  return parts;
}

function partsOf(url: URL): OriginParts {
  const explicitPort = url.port === '' ? undefined : Number(url.port);
  return {
    host: url.host,
    // WHATWG URL keeps IPv6 brackets in `hostname`; server.address is the bare address.
    serverAddress: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
    serverPort: explicitPort ?? DEFAULT_PORTS[url.protocol] ?? 0,
  };
}

/**
 * True for a path the URL parser would keep byte for byte after an origin: it starts with `/`,
 * holds only unreserved and sub-delim characters, `:`, `@`, `/`, `?` and `%` (but no `%2e`,
 * which the parser reads as a dot), and its path part has no `/.` (a dot segment the parser
 * would resolve). `'` is left out because special schemes percent-encode it in the query.
 * Anything else takes the URL parser.
 */
function isPlainPath(path: string): boolean {
  if (path.charCodeAt(0) !== 47 /* / */) return false;
  let inQuery = false;
  for (let i = 1; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57)) continue;
    switch (c) {
      case 45: // -
      case 95: // _
      case 126: // ~
      case 33: // !
      case 36: // $
      case 38: // &
      case 40: // (
      case 41: // )
      case 42: // *
      case 43: // +
      case 44: // ,
      case 59: // ;
      case 61: // =
      case 58: // :
      case 64: // @
        continue;
      case 46: // .
        if (!inQuery && path.charCodeAt(i - 1) === 47) return false;
        continue;
      case 47: // /
        continue;
      case 63: // ?
        inQuery = true;
        continue;
      case 37: // %
        if (path.charCodeAt(i + 1) === 50 && (path.charCodeAt(i + 2) | 0x20) === 101) return false;
        continue;
      default:
        return false;
    }
  }
  return true;
}

/** Returns undefined when undici holds something we cannot read as a URL (a CONNECT's `host:port`). */
export function readRequestTarget(request: UndiciRequest): RequestTarget | undefined {
  const origin = typeof request.origin === 'string' ? request.origin : String(request.origin ?? '');
  const path = typeof request.path === 'string' ? request.path : '';
  // The common case, without a URL per request: a known origin and a path the parser keeps as is.
  if (request.method !== 'CONNECT' && isPlainPath(path)) {
    const parts = originParts(origin);
    if (parts !== undefined) {
      const queryStart = path.indexOf('?');
      const pathOnly = queryStart === -1 ? path : path.slice(0, queryStart);
      return {
        url: origin + path,
        path: pathOnly,
        // URL#search is '' for a bare '?', so pathname + search drops it.
        pathAndQuery: queryStart === path.length - 1 ? pathOnly : path,
        host: parts.host,
        serverAddress: parts.serverAddress,
        serverPort: parts.serverPort,
      };
    }
  }
  // Through an HTTP proxy undici sends the absolute URL as the path and `origin` is the proxy:
  // semconv wants the target behind the intermediary, which is the path.
  const href = isAbsoluteUrl(path) ? path : request.method === 'CONNECT' ? origin : origin + path;
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return undefined;
  }
  const parts = partsOf(url);
  return {
    url: url.href,
    path: url.pathname,
    pathAndQuery: url.pathname + url.search,
    host: parts.host,
    serverAddress: parts.serverAddress,
    serverPort: parts.serverPort,
  };
}
