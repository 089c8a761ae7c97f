/**
 * SERVER spans: a wrapper around Server.prototype.emit that, for 'request' (and 'checkContinue',
 * which replaces it when the app listens for it), starts a span from the extracted parent and
 * emits inside its context, so the handler and everything it awaits nests under it. The span ends
 * on the response's 'finish', or on 'close' without a finish (the client went away); it is then
 * named `{method} {route}` and given `http.route` when a framework set a route on the request's
 * web record (../http-shared/web-record.ts).
 *
 * Correlation is the web record, keyed by the IncomingMessage (`res.req`); the listeners are
 * shared functions that find it through `this`, so a request costs no closures.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type SpanOptions,
  type Tracer,
} from '@opentelemetry/api';
import { log } from '../../log';
import { isTracingSuppressed } from '../../sdk/suppress-tracing';
import { errorTypeForError, errorTypeForStatus } from '../http-shared/error-type';
import { setCapturedHeaders, valuesFromRawPairs } from '../http-shared/headers';
import { spanNameForMethod } from '../http-shared/method';
import { attachWebRecord, takeWebRecord, webRecordOf, type WebRecord } from '../http-shared/web-record';
import { recordError } from '../../kit/errors';
import { addOldRequestAttributes, setOldResponse } from '../http-shared/old-semconv';
import * as semconv from '../http-shared/semconv';
import { redactQueryValues } from '../http-shared/url';
import { detachedCopy, truncateValue } from '../../kit/limits';
import { forwardedClientAddress, originForm, parseHostHeader, protocolVersion } from './incoming-attributes';
import { outgoingHeaderValues } from './outgoing-headers';
import type { HttpSettings } from './settings';
import type { Histogram } from '../../metrics/histogram';
import { durationSeconds } from '../../metrics/duration';

type Emit = (this: unknown, event: string | symbol, ...args: any[]) => boolean;

/**
 * The settings of responses that need more than the stable attributes at the end (response-header
 * capture, the old status code); only populated when one of those is configured.
 */
const responseExtras = new WeakMap<ServerResponse, HttpSettings>();
/**
 * Set by startServerSpan for the emit wrapper, which reads it right after the call: whether the
 * request's web record must outlive the emit (its span records, or it is measured).
 */
let lastStartedIsTracked = false;
/**
 * http.server.request.duration, when metrics are on: set by the patch (one agent per process).
 * Every request is measured, sampled or not, so the listeners are there for all of them then.
 */
let serverDuration: Histogram | undefined;

/** The metric's attributes: the low-cardinality subset of the span's (semconv), never the path. */
function recordServerDuration(record: WebRecord, res: ServerResponse, errorType: string | undefined): void {
  const histogram = serverDuration;
  if (histogram === undefined) return;
  const req = res.req as IncomingMessage | undefined;
  // Literal keys (semconv.ATTR_HTTP_REQUEST_METHOD, ATTR_URL_SCHEME): an object literal with
  // computed keys is built by a runtime call on every request, one with literal keys from a boilerplate.
  const attributes: Attributes = { 'http.request.method': record.method, 'url.scheme': record.scheme };
  if (res.headersSent) attributes[semconv.ATTR_HTTP_RESPONSE_STATUS_CODE] = res.statusCode;
  if (record.route !== undefined && record.route !== '') attributes[semconv.ATTR_HTTP_ROUTE] = record.route;
  if (errorType !== undefined) attributes[semconv.ATTR_ERROR_TYPE] = errorType;
  attributes[semconv.ATTR_NETWORK_PROTOCOL_NAME] = 'http';
  const version = req === undefined ? undefined : protocolVersion(req.httpVersion);
  if (version !== undefined) attributes[semconv.ATTR_NETWORK_PROTOCOL_VERSION] = version;
  histogram.record(durationSeconds(record.span, record.startedAt), attributes);
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

function finishServerSpan(res: ServerResponse, record: WebRecord): void {
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
    const extras = responseExtras.get(res);
    if (extras !== undefined) {
      if (extras.serverResponseHeaders !== undefined) setCapturedHeaders(span, extras.serverResponseHeaders, res, outgoingHeaderValues);
      if (extras.oldSemconv) setOldResponse(span, statusCode);
    }
  } catch (err) {
    log.errorOnce('OTELI_E_HTTP_SERVER_END', 'http: recording a server response failed', err);
  }
  span.end();
  endMeasurement(record, res, errorType);
}

function endMeasurement(record: WebRecord, res: ServerResponse, errorType: string | undefined): void {
  try {
    recordServerDuration(record, res, errorType);
  } catch (err) {
    log.errorOnce('OTELI_E_HTTP_SERVER_METRIC', 'http: recording the request duration failed', err);
  }
}

function onServerResponseFinish(this: ServerResponse): void {
  const record = takeWebRecord(this.req);
  if (record !== undefined) finishServerSpan(this, record);
}

function onServerResponseClose(this: ServerResponse): void {
  const record = takeWebRecord(this.req);
  if (record === undefined) return;
  // 'close' also follows a normal 'finish' (already handled); here only if it came first.
  if (this.writableFinished) {
    finishServerSpan(this, record);
    return;
  }
  const span = record.span;
  let errorType: string | undefined;
  try {
    applyRoute(record);
    if (this.headersSent) {
      span.setAttribute(semconv.ATTR_HTTP_RESPONSE_STATUS_CODE, this.statusCode);
      if (responseExtras.get(this)?.oldSemconv === true) setOldResponse(span, this.statusCode);
    }
    // Node destroys the request with ECONNRESET "aborted" when the peer goes away mid-request.
    const req = this.req as IncomingMessage | undefined;
    const cause = req?.errored ?? this.errored;
    errorType = errorTypeForError(cause);
    span.setAttribute(semconv.ATTR_ERROR_TYPE, errorType);
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'connection closed before the response was sent' });
  } catch (err) {
    log.errorOnce('OTELI_E_HTTP_SERVER_CLOSE', 'http: recording an aborted server request failed', err);
  }
  span.end();
  endMeasurement(record, this, errorType);
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

type AnyEmit = (this: object, event: string | symbol, ...args: unknown[]) => boolean;

/**
 * Makes the events of one request and its response ('data', 'end', 'close' on req; 'finish',
 * 'close', 'drain' on res) run in the SERVER span's context. Node emits them from the connection's
 * socket callbacks, whose context is the connection's (the accepting server's, normally none),
 * not the request's. Without this, a body read with req.on('data') / req.on('end'), as body
 * parsers do, would start the calls made after it as new traces (ignoring a sampled-off parent),
 * and a log line written on res 'finish' would carry no trace id. One closure per request, set as
 * the own (non-enumerable) `emit` of both objects; the emitting itself is the prototype's.
 * An own property, against our habit of correlating through WeakMaps: the alternative, an emit
 * on the prototypes that looks the context up, would tax every IncomingMessage in the process
 * (client responses too) and add two WeakMap entries, which the GC pays for, to every request.
 */
function runEventsInContext(req: IncomingMessage, res: ServerResponse, spanContext: Context): void {
  const emitInSpanContext = function (this: { _events?: Record<string | symbol, unknown> }, event: string | symbol): boolean {
    let proto = Object.getPrototypeOf(this) as { emit: AnyEmit };
    // An object whose prototype is this very request (Object.create(req)) must not loop.
    while (proto.emit === emitInSpanContext) proto = Object.getPrototypeOf(proto) as { emit: AnyEmit };
    // Most of a request's events ('socket', 'prefinish', 'readable', 'resume' …) have no
    // listener: nothing runs, so no context to enter (EventEmitter's own listener table).
    if (this._events !== undefined && this._events[event] === undefined) return proto.emit.apply(this, arguments as unknown as [string]);
    // Emitted from the app's own code in the request's context ('finish' from res.end() in the
    // handler): already there, and entering it again would copy the context frame for nothing.
    if (context.active() === spanContext) return proto.emit.apply(this, arguments as unknown as [string]);
    return context.with(spanContext, Reflect.apply, undefined, proto.emit, this, arguments) as boolean;
  };
  // Not enumerable: Object.keys(req), a spread or a logger's dump of req/res show what they did.
  const property = { value: emitInSpanContext, writable: true, enumerable: false, configurable: true };
  Object.defineProperty(req, 'emit', property);
  Object.defineProperty(res, 'emit', property);
}

/** The context to emit in, or undefined when this request is not traced. Never throws. */
function startServerSpan(
  tracer: Tracer,
  settings: HttpSettings,
  scheme: string,
  req: IncomingMessage,
  res: ServerResponse,
): Context | undefined {
  try {
    if (webRecordOf(req) !== undefined) return undefined; // re-emitted by a framework: one span per request
    if (isTracingSuppressed(context.active())) return undefined;
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
        attributes: serverAttributes(
          req,
          settings,
          scheme,
          method,
          normalized,
          targetPart(path, cap, isLong),
          query === undefined ? undefined : targetPart(query, cap, isLong),
        ),
      },
      parent,
    );
    // The web record: a re-emit of this request must find it, recording or not (no second
    // span). A non-recording one's is removed when emit returns (see the wrapper): left until the
    // request is collected, WeakMap entries cost the garbage collector more than the span.
    const spanContext = attachWebRecord(req, span, normalized, scheme, trace.setSpan(parent, span));
    const isRecording = span.isRecording();
    if (isRecording) {
      if (settings.serverRequestHeaders !== undefined) {
        setCapturedHeaders(span, settings.serverRequestHeaders, req, rawHeaderLookup);
      }
      if (settings.serverResponseHeaders !== undefined || settings.oldSemconv) responseExtras.set(res, settings);
    }
    // A non-recording span ignores everything the listeners would do, including end(); only the
    // duration metric needs them then.
    lastStartedIsTracked = isRecording || serverDuration !== undefined;
    if (lastStartedIsTracked) {
      res.on('finish', onServerResponseFinish);
      res.on('close', onServerResponseClose);
    }
    runEventsInContext(req, res, spanContext);
    return spanContext;
  } catch (err) {
    log.errorOnce('OTELI_E_HTTP_SERVER_START', 'http: starting a server span failed', err);
    return undefined;
  }
}

/** makeWrapper for `Server.prototype.emit` of `http` or `https` (scheme says which). */
export function makeServerEmitWrapper(tracer: Tracer, settings: HttpSettings, scheme: 'http' | 'https', duration: Histogram | undefined) {
  serverDuration = duration;
  return (original: Emit): Emit =>
    function emit(this: unknown, event: string | symbol, req?: IncomingMessage, res?: ServerResponse): boolean {
      if ((event !== 'request' && event !== 'checkContinue') || req === undefined || res === undefined) {
        return original.apply(this, arguments as unknown as Parameters<Emit>);
      }
      const spanContext = startServerSpan(tracer, settings, scheme, req, res);
      if (spanContext === undefined) return original.apply(this, arguments as unknown as Parameters<Emit>);
      const isTracked = lastStartedIsTracked;
      try {
        return context.with(spanContext, original, this, event, req, res);
      } catch (err) {
        // The app's handler threw synchronously: note it on the span, re-throw it untouched.
        // Not its status: whether the response becomes a 5xx is up to the app's error handling.
        try {
          const span = trace.getSpan(spanContext);
          if (span !== undefined) recordError(span, err, { setStatus: false });
        } catch {
          // recording is best effort; the app's error is what matters
        }
        throw err;
      } finally {
        if (!isTracked) takeWebRecord(req);
      }
    };
}
