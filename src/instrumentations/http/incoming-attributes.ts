/**
 * Attributes read off an incoming request: where it was addressed (Host), who sent it (Forwarded,
 * X-Forwarded-For, the peer), and the protocol version in semconv's spelling.
 */
import type { IncomingMessage } from 'node:http';
import { defaultPortForScheme } from '../http-shared/url';

export interface HostAndPort {
  readonly address: string;
  /** Undefined when the header's port is not one (`h:0`, `h:99999`, `h:x`): we do not know it. */
  readonly port: number | undefined;
}

// The last Host header parsed, and what it gave: the requests of a connection, and of most
// servers, name one host, so the slices, the port check and the object are made once.
let lastHost: string | undefined;
let lastScheme: string | undefined;
let lastParsed: HostAndPort | undefined;

/**
 * `example.com:8080` → {example.com, 8080}; `[::1]:3000` → {::1, 3000}. Without a port the
 * client addressed the scheme's default port, so that is what server.port reports.
 */
export function parseHostHeader(host: string, scheme: string): HostAndPort | undefined {
  if (host === lastHost && scheme === lastScheme) return lastParsed;
  const parsed = parseHost(host, scheme);
  lastHost = host;
  lastScheme = scheme;
  lastParsed = parsed;
  return parsed;
}

function parseHost(host: string, scheme: string): HostAndPort | undefined {
  if (host.length === 0) return undefined;
  let address: string;
  let portText: string | undefined;
  if (host[0] === '[') {
    const close = host.indexOf(']');
    if (close === -1) return undefined;
    address = host.slice(1, close);
    if (host[close + 1] === ':') portText = host.slice(close + 2);
  } else {
    const colon = host.indexOf(':');
    address = colon === -1 ? host : host.slice(0, colon);
    if (colon !== -1) portText = host.slice(colon + 1);
  }
  if (address.length === 0) return undefined;
  if (portText === undefined || portText === '') return { address, port: defaultPortForScheme(scheme) };
  const port = isDecimalPort(portText) ? Number(portText) : 0;
  return { address, port: port > 0 && port < 65536 ? port : undefined };
}

/** One to five ASCII digits (what /^\d{1,5}$/ matches, without a regular expression per request). */
function isDecimalPort(text: string): boolean {
  if (text.length === 0 || text.length > 5) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/**
 * The origin form (`/path?query`) of a request target. Proxies are sent the absolute form
 * (`GET http://example.com:8080/path?q HTTP/1.1`, RFC 9112 §3.2.2), whose url.path is `/path`, not
 * the whole URL. The asterisk form (`OPTIONS *`) and anything else are kept as they are.
 */
export function originForm(target: string): string {
  if (target.charCodeAt(0) === 0x2f /* / */) return target;
  const schemeEnd = target.indexOf('://');
  if (schemeEnd <= 0 || !/^[A-Za-z][A-Za-z0-9+.-]*$/.test(target.slice(0, schemeEnd))) return target;
  const authorityStart = schemeEnd + 3;
  let pathStart = authorityStart;
  while (pathStart < target.length) {
    const c = target.charCodeAt(pathStart);
    if (c === 0x2f /* / */ || c === 0x3f /* ? */ || c === 0x23 /* # */) break;
    pathStart++;
  }
  if (pathStart === target.length) return '/';
  return target.charCodeAt(pathStart) === 0x2f ? target.slice(pathStart) : `/${target.slice(pathStart)}`;
}

/** A `for=` node as written (`"[2001:db8::1]:4711"`, `192.0.2.60`) → the bare address. */
function stripNodePort(node: string): string {
  let value = node.trim();
  if (value.length > 1 && value[0] === '"' && value[value.length - 1] === '"') value = value.slice(1, -1);
  if (value[0] === '[') {
    const close = value.indexOf(']');
    return close === -1 ? value.slice(1) : value.slice(1, close);
  }
  const colon = value.indexOf(':');
  // One colon: IPv4 or name with a port. More than one: a bare IPv6 address, keep it whole.
  if (colon !== -1 && value.indexOf(':', colon + 1) === -1) return value.slice(0, colon);
  return value;
}

/** The `for=` of the first (client-most) element of a Forwarded header (RFC 7239). */
export function forwardedFor(header: string): string | undefined {
  const comma = header.indexOf(',');
  const first = comma === -1 ? header : header.slice(0, comma);
  for (const pair of first.split(';')) {
    const eq = pair.indexOf('=');
    if (eq === -1 || pair.slice(0, eq).trim().toLowerCase() !== 'for') continue;
    const address = stripNodePort(pair.slice(eq + 1));
    // `unknown` is RFC 7239's "the proxy does not know": no better than the peer.
    return address.length === 0 || address === 'unknown' ? undefined : address;
  }
  return undefined;
}

/** The first hop of X-Forwarded-For (`client, proxy1, proxy2`). */
export function xForwardedFor(header: string): string | undefined {
  const comma = header.indexOf(',');
  const first = (comma === -1 ? header : header.slice(0, comma)).trim();
  return first.length === 0 ? undefined : stripNodePort(first);
}

/** The client a proxy reported: Forwarded `for=`, else X-Forwarded-For; undefined without them. */
export function forwardedClientAddress(req: IncomingMessage): string | undefined {
  const headers = req.headers;
  const forwarded = headers.forwarded;
  if (typeof forwarded === 'string') {
    const address = forwardedFor(forwarded);
    if (address !== undefined) return address;
  }
  const xff = headers['x-forwarded-for'];
  if (typeof xff === 'string') {
    const address = xForwardedFor(xff);
    if (address !== undefined) return address;
  }
  return undefined;
}

/** client.address: Forwarded `for=`, else X-Forwarded-For, else the socket's peer. */
export function clientAddress(req: IncomingMessage): string | undefined {
  return forwardedClientAddress(req) ?? req.socket?.remoteAddress;
}

/** network.protocol.version: Node says `1.1` / `1.0` / `2.0`; semconv says `1.1` / `1.0` / `2`. */
export function protocolVersion(httpVersion: string | undefined): string | undefined {
  if (httpVersion === undefined || httpVersion.length === 0) return undefined;
  return httpVersion === '2.0' ? '2' : httpVersion === '3.0' ? '3' : httpVersion;
}
