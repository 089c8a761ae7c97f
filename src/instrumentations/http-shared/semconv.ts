/**
 * Attribute names of the stable HTTP semantic conventions (semconv ≥ 1.23, http spans), in one
 * place for the http and fetch instrumentations. Values are the wire names; never inline them.
 */

export const ATTR_HTTP_REQUEST_METHOD = 'http.request.method';
/** Set only when http.request.method is `_OTHER` or differs from what was sent. */
export const ATTR_HTTP_REQUEST_METHOD_ORIGINAL = 'http.request.method_original';
export const ATTR_HTTP_RESPONSE_STATUS_CODE = 'http.response.status_code';
export const ATTR_HTTP_ROUTE = 'http.route';
/** Prefixes: the lower-cased header name follows, the value is a string array. */
export const ATTR_HTTP_REQUEST_HEADER_PREFIX = 'http.request.header.';
export const ATTR_HTTP_RESPONSE_HEADER_PREFIX = 'http.response.header.';

export const ATTR_URL_FULL = 'url.full';
export const ATTR_URL_PATH = 'url.path';
export const ATTR_URL_QUERY = 'url.query';
export const ATTR_URL_SCHEME = 'url.scheme';

export { ATTR_ERROR_TYPE, ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT } from '../../kit/semconv';
export const ATTR_CLIENT_ADDRESS = 'client.address';

export const ATTR_NETWORK_PEER_ADDRESS = 'network.peer.address';
export const ATTR_NETWORK_PEER_PORT = 'network.peer.port';
export const ATTR_NETWORK_PROTOCOL_NAME = 'network.protocol.name';
export const ATTR_NETWORK_PROTOCOL_VERSION = 'network.protocol.version';

export const ATTR_USER_AGENT_ORIGINAL = 'user_agent.original';

/** The value of http.request.method (and error.type) for anything outside the known set. */
export { OTHER_VALUE } from '../../kit/semconv';

/*
 * ─── OLD (pre-1.20, v1.7.0-era) HTTP and networking attributes ───────────────────────────────
 * Emitted only with OTEL_SEMCONV_STABILITY_OPT_IN=http/dup, next to the stable ones above, for
 * users whose dashboards and alerts still query the names the instrumentations used before the
 * HTTP conventions were stabilized. The mapping lives in ./old-semconv.ts. Never emit these
 * without the opt-in.
 */
export const OLD_ATTR_HTTP_METHOD = 'http.method';
export const OLD_ATTR_HTTP_URL = 'http.url';
export const OLD_ATTR_HTTP_TARGET = 'http.target';
export const OLD_ATTR_HTTP_HOST = 'http.host';
export const OLD_ATTR_HTTP_SCHEME = 'http.scheme';
export const OLD_ATTR_HTTP_STATUS_CODE = 'http.status_code';
/** `1.0`, `1.1`, `2.0`: Node's httpVersion spelling, unlike network.protocol.version. */
export const OLD_ATTR_HTTP_FLAVOR = 'http.flavor';
export const OLD_ATTR_HTTP_USER_AGENT = 'http.user_agent';
/** Server spans: the original client from Forwarded / X-Forwarded-For; absent without them. */
export const OLD_ATTR_HTTP_CLIENT_IP = 'http.client_ip';
export const OLD_ATTR_HTTP_REQUEST_CONTENT_LENGTH = 'http.request_content_length';
export const OLD_ATTR_HTTP_RESPONSE_CONTENT_LENGTH = 'http.response_content_length';
export const OLD_ATTR_NET_TRANSPORT = 'net.transport';
export const OLD_ATTR_NET_HOST_NAME = 'net.host.name';
export const OLD_ATTR_NET_HOST_IP = 'net.host.ip';
export const OLD_ATTR_NET_HOST_PORT = 'net.host.port';
export const OLD_ATTR_NET_PEER_NAME = 'net.peer.name';
export const OLD_ATTR_NET_PEER_IP = 'net.peer.ip';
export const OLD_ATTR_NET_PEER_PORT = 'net.peer.port';

/** The value of net.transport for HTTP/1.x and HTTP/2. */
export const OLD_NET_TRANSPORT_IP_TCP = 'ip_tcp';
