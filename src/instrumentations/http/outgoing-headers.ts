/**
 * Reading headers back from an OutgoingMessage (ServerResponse, ClientRequest) for capture.
 */
import type { OutgoingMessage } from 'node:http';
import { headerValueToArray, valuesFromHeaderBlock } from '../http-shared/headers';

/**
 * The header block Node serialized is the truth of what was sent: writeHead(status, headers)
 * without an earlier setHeader() never populates getHeader() (Node's writeHead fast path), and
 * an array `headers` option on a ClientRequest neither. Before anything is sent, getHeader().
 */
export function outgoingHeaderValues(message: OutgoingMessage, lowerName: string): string[] | undefined {
  const block = (message as unknown as { _header?: unknown })._header;
  if (typeof block === 'string' && block.length > 0) return valuesFromHeaderBlock(block, lowerName);
  return headerValueToArray(message.getHeader(lowerName));
}
