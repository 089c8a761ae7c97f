/**
 * The safety net that keeps a span from staying open forever when undici forgets a request
 * without publishing `trailers` or `error` (an upgrade, e.g. a WebSocket handshake, in undici < 7;
 * a custom dispatcher that drops a request). undici's Request is held by its client until the
 * request completes, so it becomes collectable only once undici is done with it; if our span is
 * still open then, nobody will ever end it, and we end it at the last moment we saw activity.
 *
 * A fetch whose body the app never reads does not need this: for a body that fits undici's
 * buffers the trailers arrive anyway, and for a larger one fetch itself cancels the body when the
 * Response is garbage collected, which publishes an `error` (see undici-errors.ts). An unread body
 * of the `undici` package's request() holds its connection open until the app consumes or
 * destroys it (undici's documented contract), and its span stays open exactly as long.
 *
 * Watching costs a FinalizationRegistry register and unregister (~0.3–0.6 µs together on Node 20),
 * so only the requests that can leave the normal path are watched. undici's core Request publishes
 * `trailers` (onComplete) or `error` (onError) for every request that gets a final response head
 * or fails, whatever dispatcher or interceptor sits above it; what escapes both is a request whose
 * connection is handed over (onUpgrade): an upgrade or a CONNECT, known when the request is
 * created, or a head below 200 (101 Switching Protocols), known when it arrives.
 */
import type { Span } from '@opentelemetry/api';

/** What we keep per traced request until its span ends. */
export interface OpenRequest {
  readonly span: Span;
  /** 0 until the response head arrives. */
  statusCode: number;
  /** Epoch ms (performance clock, as spans use) of the latest message about this request. */
  lastActivityMs: number;
  ended: boolean;
  /** Registered with the AbandonedRequestWatch (so finish() must unregister it). */
  watched: boolean;
  /** For http.client.request.duration (a span's attributes cannot be read back). */
  readonly method: string;
  readonly serverAddress: string | undefined;
  readonly serverPort: number | undefined;
  /** performance.now() at the start. */
  readonly startedAt: number;
  errorType: string | undefined;
}

/** An upgrade (WebSocket) or CONNECT: undici < 7 publishes neither trailers nor error for it. */
export function mayBeAbandoned(request: { readonly upgrade?: unknown; readonly method?: unknown }): boolean {
  return (request.upgrade !== undefined && request.upgrade !== null && request.upgrade !== false) || request.method === 'CONNECT';
}

export class AbandonedRequestWatch {
  private readonly registry: FinalizationRegistry<OpenRequest>;

  constructor(onAbandoned: (open: OpenRequest) => void) {
    this.registry = new FinalizationRegistry(onAbandoned);
  }

  /** `open` is both the held value and the unregister token; it must not reference `request`. */
  watch(request: object, open: OpenRequest): void {
    open.watched = true;
    this.registry.register(request, open, open);
  }

  unwatch(open: OpenRequest): void {
    open.watched = false;
    this.registry.unregister(open);
  }
}
