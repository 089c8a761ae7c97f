/**
 * http.client.request.duration's attributes, the same for `http` and `fetch` (semconv: the
 * low-cardinality subset of the CLIENT span's, never the URL).
 */
import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
} from './semconv';

/** `statusCode` is undefined without a response; `errorType` without a failure. */
export function clientDurationAttributes(
  method: string,
  serverAddress: string | undefined,
  serverPort: number | undefined,
  statusCode: number | undefined,
  errorType: string | undefined,
): Attributes {
  const attributes: Attributes = { 'http.request.method': method } // literal key: see http/server.ts recordServerDuration;
  if (serverAddress !== undefined) attributes[ATTR_SERVER_ADDRESS] = serverAddress;
  if (serverPort !== undefined) attributes[ATTR_SERVER_PORT] = serverPort;
  if (statusCode !== undefined) attributes[ATTR_HTTP_RESPONSE_STATUS_CODE] = statusCode;
  if (errorType !== undefined) attributes[ATTR_ERROR_TYPE] = errorType;
  return attributes;
}
