/**
 * OTEL_SEMCONV_STABILITY_OPT_IN=http/dup: HTTP spans carry the old (pre-1.20) attributes as well
 * as the stable ones, so queries written against the old names keep working during a migration.
 * Span names, status and the stable attributes stay exactly as without the opt-in. `http` alone,
 * or no opt-in, gives the stable attributes only (we never emitted the old ones by default).
 *
 * Most old values are a stable value under its old name; the table below says which, per span
 * kind. The rest (http.target, http.host, http.url on servers, http.client_ip, content lengths,
 * net.host.ip / net.host.port) come from facts the caller passes in. Old and stable differ where
 * the migration guide (semantic-conventions docs/non-normative/http-migration.md) says they do:
 * http.method is the method as sent (never `_OTHER`), and http.flavor keeps `2.0` where
 * network.protocol.version says `2`.
 *
 * The decision is made once per Config (emitsOldHttpSemconv) when an instrumentation is set up;
 * the request path only tests a boolean, and nothing here runs without the opt-in.
 */
import type { Attributes, Span } from '@opentelemetry/api';
import type { Config } from '../../config/types';
import { truncateValue } from '../../kit/limits';
import * as semconv from './semconv';

/** The opt-in value that adds the old attributes (it wins over `http` when both are given). */
export const HTTP_DUP_OPT_IN = 'http/dup';

export function emitsOldHttpSemconv(config: Pick<Config, 'semconvStabilityOptIn'>): boolean {
  return (config.semconvStabilityOptIn ?? []).includes(HTTP_DUP_OPT_IN);
}

type Renames = readonly (readonly [stable: string, old: string])[];

/** Stable attribute → old attribute with the same value, on CLIENT spans. */
const CLIENT_RENAMES: Renames = [
  [semconv.ATTR_URL_FULL, semconv.OLD_ATTR_HTTP_URL],
  [semconv.ATTR_SERVER_ADDRESS, semconv.OLD_ATTR_NET_PEER_NAME],
  [semconv.ATTR_SERVER_PORT, semconv.OLD_ATTR_NET_PEER_PORT],
];

/** … on SERVER spans. */
const SERVER_RENAMES: Renames = [
  [semconv.ATTR_URL_SCHEME, semconv.OLD_ATTR_HTTP_SCHEME],
  [semconv.ATTR_SERVER_ADDRESS, semconv.OLD_ATTR_NET_HOST_NAME],
  [semconv.ATTR_NETWORK_PEER_ADDRESS, semconv.OLD_ATTR_NET_PEER_IP],
  [semconv.ATTR_NETWORK_PEER_PORT, semconv.OLD_ATTR_NET_PEER_PORT],
  [semconv.ATTR_USER_AGENT_ORIGINAL, semconv.OLD_ATTR_HTTP_USER_AGENT],
];

export interface OldRequestFacts {
  /** Path and query as sent, query values already redacted (http.target). */
  readonly target: string;
  /** The Host header as sent. */
  readonly host?: string | undefined;
  /** CLIENT only (a SERVER span has user_agent.original): the User-Agent header as sent. */
  readonly userAgent?: string | undefined;
  /** The Content-Length header of the request, when it had one. */
  readonly contentLength?: string | undefined;
  /** SERVER only: the client from Forwarded / X-Forwarded-For, not the socket peer. */
  readonly forwardedClient?: string | undefined;
  /** SERVER only: our end of the connection. */
  readonly localAddress?: string | undefined;
  readonly localPort?: number | undefined;
  /** SERVER only: the longest http.url kept (kit/limits.ts); the caller caps the other facts. */
  readonly urlLengthCap?: number;
}

/**
 * Adds the old request attributes to `attributes`, which already holds the stable ones
 * (http.request.method and, when known, network.protocol.version included).
 */
export function addOldRequestAttributes(attributes: Attributes, kind: 'client' | 'server', facts: OldRequestFacts): void {
  attributes[semconv.OLD_ATTR_HTTP_METHOD] =
    attributes[semconv.ATTR_HTTP_REQUEST_METHOD_ORIGINAL] ?? attributes[semconv.ATTR_HTTP_REQUEST_METHOD];
  for (const [stable, old] of kind === 'client' ? CLIENT_RENAMES : SERVER_RENAMES) {
    const value = attributes[stable];
    if (value !== undefined) attributes[old] = value;
  }
  attributes[semconv.OLD_ATTR_HTTP_TARGET] = facts.target;
  if (facts.host !== undefined) attributes[semconv.OLD_ATTR_HTTP_HOST] = facts.host;
  if (facts.userAgent !== undefined) attributes[semconv.OLD_ATTR_HTTP_USER_AGENT] = facts.userAgent;
  const contentLength = parseContentLength(facts.contentLength);
  if (contentLength !== undefined) attributes[semconv.OLD_ATTR_HTTP_REQUEST_CONTENT_LENGTH] = contentLength;
  const version = attributes[semconv.ATTR_NETWORK_PROTOCOL_VERSION];
  if (typeof version === 'string') addOldProtocol(attributes, version);
  if (kind === 'server') {
    const scheme = attributes[semconv.ATTR_URL_SCHEME];
    if (facts.host !== undefined && scheme !== undefined) {
      const url = `${scheme}://${facts.host}${facts.target}`;
      attributes[semconv.OLD_ATTR_HTTP_URL] = facts.urlLengthCap === undefined ? url : truncateValue(url, facts.urlLengthCap);
    }
    if (facts.forwardedClient !== undefined) attributes[semconv.OLD_ATTR_HTTP_CLIENT_IP] = facts.forwardedClient;
    if (facts.localAddress !== undefined) attributes[semconv.OLD_ATTR_NET_HOST_IP] = facts.localAddress;
    if (facts.localPort !== undefined) attributes[semconv.OLD_ATTR_NET_HOST_PORT] = facts.localPort;
  }
}

/** http.flavor and net.transport from a network.protocol.version value (`1.1`, `2`). */
function addOldProtocol(attributes: Attributes, networkProtocolVersion: string): void {
  attributes[semconv.OLD_ATTR_HTTP_FLAVOR] = oldFlavor(networkProtocolVersion);
  attributes[semconv.OLD_ATTR_NET_TRANSPORT] = semconv.OLD_NET_TRANSPORT_IP_TCP;
}

/**
 * For CLIENT spans of node:http, whose Host and User-Agent headers are final only once Node built
 * the request (Node adds Host itself unless the app set one).
 */
export function setOldClientHeaders(span: Span, host: unknown, userAgent: unknown): void {
  if (typeof host === 'string') span.setAttribute(semconv.OLD_ATTR_HTTP_HOST, host);
  if (typeof userAgent === 'string') span.setAttribute(semconv.OLD_ATTR_HTTP_USER_AGENT, userAgent);
}

/**
 * For CLIENT spans, whose connection is known only once the request is on the wire: http.flavor,
 * net.transport, and net.peer.ip (the address actually connected to).
 */
export function setOldConnection(span: Span, networkProtocolVersion: string | undefined, peerAddress: string | undefined): void {
  if (networkProtocolVersion !== undefined) {
    span.setAttribute(semconv.OLD_ATTR_HTTP_FLAVOR, oldFlavor(networkProtocolVersion));
    span.setAttribute(semconv.OLD_ATTR_NET_TRANSPORT, semconv.OLD_NET_TRANSPORT_IP_TCP);
  }
  if (peerAddress !== undefined) span.setAttribute(semconv.OLD_ATTR_NET_PEER_IP, peerAddress);
}

/** http.status_code, and on CLIENT spans http.response_content_length. */
export function setOldResponse(span: Span, statusCode: number, contentLength?: string | undefined): void {
  span.setAttribute(semconv.OLD_ATTR_HTTP_STATUS_CODE, statusCode);
  const length = parseContentLength(contentLength);
  if (length !== undefined) span.setAttribute(semconv.OLD_ATTR_HTTP_RESPONSE_CONTENT_LENGTH, length);
}

/** `2` → `2.0`, `3` → `3.0` (the old examples); `1.1` and `1.0` are the same in both. */
export function oldFlavor(networkProtocolVersion: string): string {
  return networkProtocolVersion.length === 1 ? `${networkProtocolVersion}.0` : networkProtocolVersion;
}

/** A Content-Length header value as a number; undefined when absent or not a plain integer. */
export function parseContentLength(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  const length = Number(value);
  return Number.isSafeInteger(length) ? length : undefined;
}
