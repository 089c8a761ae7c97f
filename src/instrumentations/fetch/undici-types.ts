/**
 * The parts of undici's internal `Request` and of its `undici:*` diagnostics-channel messages that
 * we read. Structural and tolerant on purpose: the same subscription receives messages from Node's
 * bundled undici (5.x in early Node 20, 6.x in Node 20/22, 7.x in Node 24) and from whatever
 * `undici` package the app installed, and their shapes differ (see request-headers.ts).
 */

export interface UndiciRequest {
  /** 'http://host:port' (a string in every undici we support). */
  readonly origin?: unknown;
  /** The path with its query ('/a?b=1'); an absolute URL when sent through an HTTP proxy. */
  readonly path?: unknown;
  readonly method?: unknown;
  /** The protocol asked for in an upgrade ('websocket'), else null (undici 5–7). */
  readonly upgrade?: unknown;
  /**
   * The request headers so far: `'name: value\r\n'…` before undici 6.7.0, a flat
   * `[name, value, name, value…]` array since (nodejs/undici#2874).
   */
  headers?: unknown;
  addHeader?(name: string, value: string): unknown;
}

/** `undici:request:create` — published at the end of the Request constructor, in the caller's context. */
export interface RequestCreateMessage {
  readonly request: UndiciRequest;
}

/** `undici:client:sendHeaders` — the request line and headers were written to `socket`. */
export interface SendHeadersMessage {
  readonly request: UndiciRequest;
  readonly socket?: { readonly alpnProtocol?: unknown; readonly remoteAddress?: unknown } | null;
}

/** `undici:request:headers` — the final response head; raw headers as `[name, value…]` Buffers. */
export interface ResponseHeadersMessage {
  readonly request: UndiciRequest;
  readonly response: {
    readonly statusCode: number;
    readonly statusText?: string;
    readonly headers?: ReadonlyArray<Buffer | string>;
  };
}

/** `undici:request:trailers` — the response body was fully received (not necessarily read by the app). */
export interface ResponseTrailersMessage {
  readonly request: UndiciRequest;
}

/**
 * `undici:request:error` — the request failed or was aborted, before or after the response head.
 * `error` is whatever the aborter passed: usually an Error, but a string when fetch cancels the body
 * of a garbage-collected Response ('Response object has been garbage collected', undici 5–7).
 */
export interface RequestErrorMessage {
  readonly request: UndiciRequest;
  readonly error: unknown;
}

export const UNDICI_CHANNELS = {
  create: 'undici:request:create',
  sendHeaders: 'undici:client:sendHeaders',
  headers: 'undici:request:headers',
  trailers: 'undici:request:trailers',
  error: 'undici:request:error',
} as const;
