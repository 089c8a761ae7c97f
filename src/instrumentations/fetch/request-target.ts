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

/** Returns undefined when undici holds something we cannot read as a URL (a CONNECT's `host:port`). */
export function readRequestTarget(request: UndiciRequest): RequestTarget | undefined {
  const origin = typeof request.origin === 'string' ? request.origin : String(request.origin ?? '');
  const path = typeof request.path === 'string' ? request.path : '';
  // Through an HTTP proxy undici sends the absolute URL as the path and `origin` is the proxy:
  // semconv wants the target behind the intermediary, which is the path.
  const href = isAbsoluteUrl(path) ? path : request.method === 'CONNECT' ? origin : origin + path;
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return undefined;
  }
  const explicitPort = url.port === '' ? undefined : Number(url.port);
  return {
    url: url.href,
    path: url.pathname,
    pathAndQuery: url.pathname + url.search,
    host: url.host,
    // WHATWG URL keeps IPv6 brackets in `hostname`; server.address is the bare address.
    serverAddress: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
    serverPort: explicitPort ?? DEFAULT_PORTS[url.protocol] ?? 0,
  };
}
