/**
 * Attribute names every instrumentation shares (stable semantic conventions, general and
 * network attributes). Signal-specific names live with their instrumentations
 * (instrumentations/http-shared/semconv.ts); never inline a wire name.
 */
export const ATTR_ERROR_TYPE = 'error.type';
export const ATTR_SERVER_ADDRESS = 'server.address';
export const ATTR_SERVER_PORT = 'server.port';
/** error.type (and http.request.method) for anything outside the known values. */
export const OTHER_VALUE = '_OTHER';
