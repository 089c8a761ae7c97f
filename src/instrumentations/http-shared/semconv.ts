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

export const ATTR_SERVER_ADDRESS = 'server.address';
export const ATTR_SERVER_PORT = 'server.port';
export const ATTR_CLIENT_ADDRESS = 'client.address';

export const ATTR_NETWORK_PEER_ADDRESS = 'network.peer.address';
export const ATTR_NETWORK_PEER_PORT = 'network.peer.port';
export const ATTR_NETWORK_PROTOCOL_VERSION = 'network.protocol.version';

export const ATTR_USER_AGENT_ORIGINAL = 'user_agent.original';

export const ATTR_ERROR_TYPE = 'error.type';

/** The value of http.request.method (and error.type) for anything outside the known set. */
export const OTHER_VALUE = '_OTHER';
