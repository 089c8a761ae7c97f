/**
 * SERVER spans: a wrapper around Server.prototype.emit that, for 'request' (and 'checkContinue',
 * which replaces it when the app listens for it), starts a span from the extracted parent and
 * emits inside its context, so the handler and everything it awaits nests under it. The span ends
 * when the response finishes, or closes without finishing (the client went away), as
 * ./request-events.ts reports it; it is then named `{method} {route}` and given `http.route`
 * when a framework set a route on the request's web record (../http-shared/web-record.ts).
 *
 * Correlation is the web record, keyed by the IncomingMessage (`res.req`): a request costs no
 * closure and no listener.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  type Attributes,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { log } from '../../log';
import { handOver } from '../../sdk/attributes';
import { isTracingSuppressed } from '../../sdk/suppress-tracing';
import { errorTypeForError, errorTypeForStatus } from '../http-shared/error-type';
import { setCapturedHeaders, valuesFromRawPairs } from '../http-shared/headers';
import { spanNameForMethod } from '../http-shared/method';
import { attachWebRecord, requestRecordOf, runEndings, type ResponseEnding, type WebRecord } from '../http-shared/web-record';
import { ServerContext } from './server-context';
import { activeContext, withContext } from '../../kit/active-context';
import type { ServerRecord } from './request-events';
import { recordErrorIfUncaught } from '../../kit/errors';
import { addOldRequestAttributes, setOldResponse } from '../http-shared/old-semconv';
import * as semconv from '../http-shared/semconv';
import { redactQueryValues } from '../http-shared/url';
import { detachedCopy, truncateValue } from '../../kit/limits';
import { forwardedClientAddress, originForm, parseHostHeader, protocolVersion } from './incoming-attributes';
import { outgoingHeaderValues } from './outgoing-headers';
import type { HttpSettings } from './settings';
import type { Histogram, HistogramPoint } from '../../metrics/histogram';
import { durationSeconds } from '../../metrics/duration';

type Emit = (this: unknown, event: string | symbol, ...args: any[]) => boolean;

/** What a traced request keeps (one object per request: the web record frameworks see, and ours). */
class HttpServerRecord implements ServerRecord {
  readonly type = 'http' as const;
  route: string | undefined = undefined;
  framework: string | undefined = undefined;
  isEnded = false;
  frameworkState: unknown = undefined;
  endings: ResponseEnding[] | undefined = undefined;
  /** The SERVER span's context, set once it is made (it holds this record as RPCMetadata). */
  context: ServerContext | typeof ROOT_CONTEXT = ROOT_CONTEXT;
  readonly startedAt = performance.now();

  constructor(
    readonly span: Span,
    readonly method: string,
    readonly scheme: string,
    readonly isTracked: boolean,
    /**
     * The settings, for a response that needs more than the stable attributes at the end
     * (response-header capture, the old status code); undefined when neither is configured.
     */
    readonly extras: HttpSettings | undefined,
  ) {}

  /** One line where util.inspect shows the request: not the span and its context. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `[otel-instrument request ${this.method}${this.route === undefined ? '' : ` ${this.route}`}]`;
  }
}

/**
 * http.server.request.duration, when metrics are on: set by the patch (one agent per process).
 * Every request is measured, sampled or not, so the end of every response is noticed then.
 */
let serverDuration: Histogram | undefined;

/**
 * The attribute set of the last request measured, and its point: a server's requests mostly
 * repeat one set (or a few), and comparing six values costs less than building the attributes
 * and finding their point again.
 */
const lastMeasured = {
  histogram: undefined as Histogram | undefined,
  generation: -1,
  method: '',
  scheme: '',
  status: undefined as number | undefined,
  route: undefined as string | undefined,
  errorType: undefined as string | undefined,
  version: undefined as string | undefined,
  point: undefined as HistogramPoint | undefined,
};

/** The metric's attributes: the low-cardinality subset of the span's (semconv), never the path. */
function recordServerDuration(record: WebRecord, res: ServerResponse, errorType: string | undefined): void {
  const histogram = serverDuration;
  if (histogram === undefined) return;
  const req = res.req as IncomingMessage | undefined;
  const status = res.headersSent ? res.statusCode : undefined;
  const route = record.route !== undefined && record.route !== '' ? record.route : undefined;
  const version = req === undefined ? undefined : protocolVersion(req.httpVersion);
  const last = lastMeasured;
  let point = last.point;
  if (
    point === undefined ||
    last.histogram !== histogram ||
    last.generation !== histogram.generation ||
    last.method !== record.method ||
    last.scheme !== record.scheme ||
    last.status !== status ||
    last.route !== route ||
    last.errorType !== errorType ||
    last.version !== version
  ) {
    // Literal keys (semconv.ATTR_HTTP_REQUEST_METHOD, ATTR_URL_SCHEME): an object literal with
    // computed keys is built by a runtime call on every request, one with literal keys from a boilerplate.
    const attributes: Attributes = { 'http.request.method': record.method, 'url.scheme': record.scheme };
    if (status !== undefined) attributes[semconv.ATTR_HTTP_RESPONSE_STATUS_CODE] = status;
    if (route !== undefined) attributes[semconv.ATTR_HTTP_ROUTE] = route;
    if (errorType !== undefined) attributes[semconv.ATTR_ERROR_TYPE] = errorType;
    attributes[semconv.ATTR_NETWORK_PROTOCOL_NAME] = 'http';
    if (version !== undefined) attributes[semconv.ATTR_NETWORK_PROTOCOL_VERSION] = version;
    point = histogram.pointOf(attributes);
    if (point === undefined) return;
    Object.assign(last, { histogram, generation: histogram.generation, method: record.method, scheme: record.scheme, status, route, errorType, version, point });
  }
  histogram.recordAt(point, durationSeconds(record.span, record.startedAt));
}

function rawHeaderLookup(req: IncomingMessage, lowerName: string): string[] | undefined {
  return valuesFromRawPairs(req.rawHeaders, lowerName);
}

/** `http.route` and the name `{method} {route}`, from the route a framework put on the record. */
function applyRoute(record: WebRecord): void {
  const route = record.route;
  if (route === undefined || route === '') return;
  record.span.setAttribute(semconv.ATTR_HTTP_ROUTE, route);
  record.span.updateName(`${spanNameForMethod(record.method)} ${route}`);
}

function finishServerSpan(res: ServerResponse, record: HttpServerRecord): void {
  const span = record.span;
  let errorType: string | undefined;
  try {
    applyRoute(record);
    const statusCode = res.statusCode;
    span.setAttribute(semconv.ATTR_HTTP_RESPONSE_STATUS_CODE, statusCode);
    // Server spans: 4xx is the client's fault, only 5xx marks our span as failed (semconv).
    if (statusCode >= 500) {
      errorType = errorTypeForStatus(statusCode);
      span.setAttribute(semconv.ATTR_ERROR_TYPE, errorType);
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    const extras = record.extras;
    if (extras !== undefined) {
      if (extras.serverResponseHeaders !== undefined) setCapturedHeaders(span, extras.serverResponseHeaders, res, outgoingHeaderValues);
      if (extras.oldSemconv) setOldResponse(span, statusCode);
    }
  } catch (err) {
    log.errorOnce('OTELI_E_HTTP_SERVER_END', 'http: recording a server response failed', err);
  }
  endSpan(record);
  endMeasurement(record, res, errorType);
}

function endMeasurement(record: WebRecord, res: ServerResponse, errorType: string | undefined): void {
  try {
    recordServerDuration(record, res, errorType);
  } catch (err) {
    log.errorOnce('OTELI_E_HTTP_SERVER_METRIC', 'http: recording the request duration failed', err);
  }
}

function reportEndingError(err: unknown): void {
  log.errorOnce('OTELI_E_HTTP_SERVER_ENDINGS', 'http: a framework failed to end its spans with the response', err);
}

/** For ./request-events.ts: the response finished, or closed first. Never throws. */
export function onResponseEnded(res: ServerResponse, record: ServerRecord, event: 'finish' | 'close'): void {
  if (record.isEnded) return;
  record.isEnded = true;
  runEndings(record, reportEndingError);
  if (record.isTracked) {
    // 'close' also follows a normal 'finish'; a 'close' that comes first ends it as aborted
    // unless the response was in fact complete.
    if (event === 'finish' || res.writableFinished) finishServerSpan(res, record as HttpServerRecord);
    else abortServerSpan(res, record as HttpServerRecord);
  }
  const context = record.context;
  if (context instanceof ServerContext) context.release();
}

function abortServerSpan(res: ServerResponse, record: HttpServerRecord): void {
  const span = record.span;
  let errorType: string | undefined;
  try {
    applyRoute(record);
    if (res.headersSent) {
      span.setAttribute(semconv.ATTR_HTTP_RESPONSE_STATUS_CODE, res.statusCode);
      if (record.extras?.oldSemconv === true) setOldResponse(span, res.statusCode);
    }
    // Node destroys the request with ECONNRESET "aborted" when the peer goes away mid-request.
    const req = res.req as IncomingMessage | undefined;
    const cause = req?.errored ?? res.errored;
    errorType = errorTypeForError(cause);
    span.setAttribute(semconv.ATTR_ERROR_TYPE, errorType);
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'connection closed before the response was sent' });
  } catch (err) {
    log.errorOnce('OTELI_E_HTTP_SERVER_CLOSE', 'http: recording an aborted server request failed', err);
  }
  endSpan(record);
  endMeasurement(record, res, errorType);
}

function endSpan(record: WebRecord): void {
  try {
    record.span.end();
  } catch (err) {
    log.errorOnce('OTELI_E_HTTP_SERVER_END', 'http: ending a server span failed', err);
  }
}

function serverAttributes(
  req: IncomingMessage,
  settings: HttpSettings,
  scheme: string,
  method: string,
  normalized: string,
  path: string,
  query: string | undefined,
): Attributes {
  const headerCap = settings.headerValueLengthCap;
  // Literal keys (semconv.ATTR_HTTP_REQUEST_METHOD, ATTR_URL_PATH, ATTR_URL_SCHEME): see recordServerDuration.
  const attributes: Attributes = { 'http.request.method': normalized, 'url.path': path, 'url.scheme': scheme };
  if (normalized !== method) attributes[semconv.ATTR_HTTP_REQUEST_METHOD_ORIGINAL] = method;
  // `query` comes cut (targetPart), so the redaction never runs over a megabyte; cut again after
  // it, since `REDACTED` may be longer than the value it replaced.
  const redactedQuery = query === undefined ? undefined : truncateValue(redactQueryValues(query), settings.urlLengthCap);
  if (redactedQuery !== undefined) attributes[semconv.ATTR_URL_QUERY] = redactedQuery;
  const headers = req.headers;
  const host = headers.host;
  if (host !== undefined) {
    const parsed = parseHostHeader(host, scheme);
    if (parsed !== undefined) {
      attributes[semconv.ATTR_SERVER_ADDRESS] = truncateValue(parsed.address, headerCap);
      if (parsed.port !== undefined) attributes[semconv.ATTR_SERVER_PORT] = parsed.port;
    }
  }
  const socket = req.socket;
  const peerAddress = socket?.remoteAddress;
  // clientAddress(req), with the socket read once: most requests come without proxy headers.
  const forwardedClient = forwardedClientAddress(req);
  const client = forwardedClient === undefined ? peerAddress : truncateValue(forwardedClient, headerCap);
  if (client !== undefined) attributes[semconv.ATTR_CLIENT_ADDRESS] = client;
  if (socket !== undefined && socket !== null) {
    if (peerAddress !== undefined) attributes[semconv.ATTR_NETWORK_PEER_ADDRESS] = peerAddress;
    const peerPort = socket.remotePort;
    if (peerPort !== undefined) attributes[semconv.ATTR_NETWORK_PEER_PORT] = peerPort;
  }
  const version = protocolVersion(req.httpVersion);
  if (version !== undefined) attributes[semconv.ATTR_NETWORK_PROTOCOL_VERSION] = version;
  const userAgent = headers['user-agent'];
  if (userAgent !== undefined) attributes[semconv.ATTR_USER_AGENT_ORIGINAL] = truncateValue(userAgent, headerCap);
  if (settings.oldSemconv) {
    addOldRequestAttributes(attributes, 'server', {
      target: truncateValue(redactedQuery === undefined ? path : `${path}?${redactedQuery}`, settings.urlLengthCap),
      host: host === undefined ? undefined : truncateValue(host, headerCap),
      contentLength: headers['content-length'],
      forwardedClient: forwardedClient === undefined ? undefined : truncateValue(forwardedClient, headerCap),
      localAddress: socket?.localAddress,
      localPort: socket?.localPort,
      urlLengthCap: settings.urlLengthCap,
    });
  }
  return attributes;
}

/**
 * A piece of the request target as recorded: cut to the cap; and when the target itself is over
 * the cap, a detached copy even if the piece is short, so the span does not keep the whole
 * target alive (a slice is a view of its parent: kit/limits.ts).
 */
function targetPart(part: string, cap: number, targetIsLong: boolean): string {
  if (part.length > cap) return truncateValue(part, cap);
  return targetIsLong ? detachedCopy(part) : part;
}

/** The request's record, or undefined when this request is not traced. Never throws. */
function startServerSpan(
  tracer: Tracer,
  settings: HttpSettings,
  scheme: string,
  req: IncomingMessage,
  res: ServerResponse,
): HttpServerRecord | undefined {
  try {
    if (requestRecordOf(req) !== undefined) return undefined; // re-emitted by a framework: one span per request
    if (isTracingSuppressed(activeContext())) return undefined;
    const url = originForm(req.url ?? '/');
    const queryStart = url.indexOf('?');
    const path = queryStart === -1 ? url : url.slice(0, queryStart);
    if (settings.isExcluded !== undefined && settings.isExcluded(path)) return undefined;
    const method = req.method ?? 'GET';
    const normalized = settings.normalizeMethod(method);
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    const query = queryStart === -1 || queryStart === url.length - 1 ? undefined : url.slice(queryStart + 1);
    const cap = settings.urlLengthCap;
    const isLong = url.length > cap;
    // Given at creation, as the conventions ask, so that a sampler can read them.
    const span = tracer.startSpan(
      spanNameForMethod(normalized),
      {
        kind: SpanKind.SERVER,
        attributes: handOver(serverAttributes(
          req,
          settings,
          scheme,
          method,
          normalized,
          targetPart(path, cap, isLong),
          query === undefined ? undefined : targetPart(query, cap, isLong),
        )),
      },
      parent,
    );
    const isRecording = span.isRecording();
    if (isRecording && settings.serverRequestHeaders !== undefined) {
      setCapturedHeaders(span, settings.serverRequestHeaders, req, rawHeaderLookup);
    }
    // The web record: a re-emit of this request must find it, recording or not (no second
    // span), and so must the request's events, to run in its context. A non-recording span
    // ignores everything the end would do; only the duration metric needs it then.
    const extras = isRecording && (settings.serverResponseHeaders !== undefined || settings.oldSemconv) ? settings : undefined;
    const record = new HttpServerRecord(span, normalized, scheme, isRecording || serverDuration !== undefined, extras);
    record.context = new ServerContext(parent, span, record);
    attachWebRecord(req, record);
    return record;
  } catch (err) {
    log.errorOnce('OTELI_E_HTTP_SERVER_START', 'http: starting a server span failed', err);
    return undefined;
  }
}

/** makeWrapper for `Server.prototype.emit` of `http` or `https` (scheme says which). */
export function makeServerEmitWrapper(
  tracer: Tracer,
  settings: HttpSettings,
  scheme: 'http' | 'https',
  duration: Histogram | undefined,
  isStoodDown: () => boolean,
) {
  serverDuration = duration;
  return (original: Emit): Emit =>
    function emit(this: unknown, event: string | symbol, req?: IncomingMessage, res?: ServerResponse): boolean {
      if ((event !== 'request' && event !== 'checkContinue') || req === undefined || res === undefined || isStoodDown()) {
        return original.apply(this, arguments as unknown as Parameters<Emit>);
      }
      const record = startServerSpan(tracer, settings, scheme, req, res);
      if (record === undefined) return original.apply(this, arguments as unknown as Parameters<Emit>);
      let threw = true;
      try {
        const result = withContext(record.context, original, this, arguments);
        threw = false;
        return result;
      } finally {
        // The app's handler threw synchronously: the error goes on untouched (not caught here,
        // see recordErrorIfUncaught), and on the span if it crashes the app or reaches its
        // uncaughtException handler. Not the span's status: whether the response becomes a 5xx
        // is up to the app's error handling.
        if (threw) recordErrorIfUncaught(record.span);
      }
    };
}
