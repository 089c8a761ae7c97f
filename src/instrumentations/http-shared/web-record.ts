/**
 * The seam between `http`, which owns each incoming request's SERVER span, and the web
 * frameworks, which know its route. One small record per request, reachable from the request
 * (webRecordOf(req), for a framework's router) and from the request's context (the contrib
 * packages' RPCMetadata key, so code written for @opentelemetry/core's getRPCMetadata(), which
 * sets `.route`, works too). Frameworks only set the route; `http` names the SERVER span
 * `{method} {route}` and sets `http.route` from it when the response ends, and the HTTP metrics
 * read the same record. No framework starts a second SERVER span.
 */
import { createContextKey, type Context, type Span } from '@opentelemetry/api';
import type { IncomingMessage } from 'node:http';

/** @opentelemetry/core's RPC_METADATA_KEY: createContextKey is Symbol.for, shared by every copy. */
export const RPC_METADATA_KEY = createContextKey('OpenTelemetry SDK Context Key RPC_METADATA');

export interface WebRecord {
  /** RPCMetadata's `type` (RPCType.HTTP). */
  readonly type: 'http';
  /** The request's SERVER span. */
  readonly span: Span;
  /** http.request.method as recorded (`_OTHER` for an unknown method). */
  readonly method: string;
  /** The route template so far (`/api/v1/orders/:orderId`), never the raw path. */
  route: string | undefined;
  /** Which framework set the route ('express', 'fastify'). */
  framework: string | undefined;
  /** url.scheme as the SERVER span has it: the duration metric carries it too. */
  readonly scheme: string;
  /** performance.now() at the start, for the duration metric of a request whose span does not record. */
  readonly startedAt: number;
  /** Set when the response ended: from then on frameworks no longer see the record. */
  isEnded: boolean;
  /**
   * The routing framework's own state for this request (express's mount stack and open layers),
   * kept on the record rather than in a WeakMap keyed by it; undefined until it sets some.
   */
  frameworkState: unknown;
  /** What frameworks still have open when the response ends (see endWithResponse). */
  endings: ResponseEnding[] | undefined;
}

/** Something a framework ends when the response ends, if it has not ended already. */
export interface ResponseEnding {
  responseEnded(): void;
}

/**
 * For frameworks: `ending.responseEnded()` runs once the response ends (finish, or close first),
 * before the SERVER span ends, so their spans end inside it. One array on the record, where two
 * `once` listeners on the response (a closure and a wrapper each, and events the response then
 * has listeners for) used to cost every request their share.
 */
export function endWithResponse(record: WebRecord, ending: ResponseEnding): void {
  if (record.endings === undefined) record.endings = [ending];
  else record.endings.push(ending);
}

/** For `http`: runs the endings once; a framework's error stays there and the rest still run. */
export function runEndings(record: WebRecord, onError: (err: unknown) => void): void {
  const endings = record.endings;
  if (endings === undefined) return;
  record.endings = undefined;
  for (let i = 0; i < endings.length; i++) {
    try {
      endings[i]!.responseEnded();
    } catch (err) {
      onError(err);
    }
  }
}

/**
 * Where a request keeps its record: an own property under a symbol of ours, so that
 * Object.keys(req), for-in, JSON and structured clones do not see it (util.inspect shows one line
 * for it: the record's own inspect keeps it short). It stays until the request is collected, not
 * removed when the response ends: events of the request that come later (a body read after the
 * answer, the response's 'close') still find its context.
 * A plain store, not a WeakMap entry nor Object.defineProperty: under load the WeakMap cost about
 * 1.2 µs a request (its set, its gets, and the garbage collector's work on ephemerons) and a
 * non-enumerable defineProperty 1.3 µs (a runtime call, the largest single cost the agent added
 * to a request in the CPU profile); the store costs about 20 ns.
 */
const RECORD = Symbol('otel-instrument web record');

/** For `http`: the record of a request whose SERVER span just started. */
export function attachWebRecord(req: IncomingMessage, record: WebRecord): void {
  (req as unknown as { [RECORD]?: WebRecord })[RECORD] = record;
}

/** For frameworks: the record of an incoming request (the node:http IncomingMessage) traced and not yet answered. */
export function webRecordOf(req: unknown): WebRecord | undefined {
  const record = requestRecordOf(req);
  return record === undefined || record.isEnded ? undefined : record;
}

/** For `http`: the record of an incoming request, also after its response ended. */
export function requestRecordOf(req: unknown): WebRecord | undefined {
  return typeof req === 'object' && req !== null ? ((req as { [RECORD]?: WebRecord })[RECORD]) : undefined;
}

/** The record of the request a context belongs to, if any. */
export function webRecordFromContext(ctx: Context): WebRecord | undefined {
  const value = ctx.getValue(RPC_METADATA_KEY) as Partial<WebRecord> | undefined;
  return value !== undefined && value.type === 'http' && value.span !== undefined ? (value as WebRecord) : undefined;
}

/** For frameworks: the route matched so far; a later call (a deeper router) replaces it. */
export function setRoute(record: WebRecord, route: string, framework: string): void {
  record.route = route;
  record.framework = framework;
}
