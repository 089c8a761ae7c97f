/**
 * CLIENT spans for undici requests (global fetch, and the `undici` package's fetch / request /
 * stream / pipeline), driven by undici's diagnostics channels:
 *
 *   create ─▶ start the span under the caller's active context, inject traceparent/tracestate/baggage
 *   sendHeaders ─▶ network.protocol.version
 *   headers ─▶ status code, response headers, ERROR for ≥ 400
 *   trailers ─▶ end: undici has received the whole body (the app may not have read it yet)
 *   error ─▶ end: failure, or the body was cancelled (see endOnError)
 *
 * One undici Request is one attempt on the wire, so a redirect or retry gets a span per hop, all
 * children of the caller's span, as the semconv asks. Both Node's bundled undici and the npm
 * package publish on the same global channel names, and each request is published by exactly one
 * copy, so one subscription traces both without duplicates.
 *
 * Correlation is a WeakMap keyed by undici's Request: nothing is added to undici's objects.
 * Every handler is contained: an exception escaping a diagnostics_channel subscriber is rethrown
 * on process.nextTick by Node and would crash the app.
 */
import {
  SpanKind,
  SpanStatusCode,
  context,
  propagation,
  trace,
  type Attributes,
  type Span,
} from '@opentelemetry/api';
import type { InstrumentationContext } from '../../kit/definition';
import { HTTP_CLIENT_REQUEST_DURATION } from '../../metrics/instruments';
import { durationSeconds } from '../../metrics/duration';
import { clientDurationAttributes } from '../http-shared/client-duration';
import { recordError } from '../../kit/errors';
import type { HttpSettings } from '../http/settings';
import { isTracingSuppressed } from '../../sdk/suppress-tracing';
import { log } from '../../log';
import { handOver } from '../../sdk/attributes';
import { pathWithoutQuery } from '../http-shared/excluded';
import { setCapturedHeaders, valuesFromRawPairs } from '../http-shared/headers';
import { spanNameForMethod } from '../http-shared/method';
import { addOldRequestAttributes, setOldConnection, setOldResponse } from '../http-shared/old-semconv';
import { errorTypeForError, errorTypeForStatus } from '../http-shared/error-type';
import { redactTarget, redactUrlFull } from '../http-shared/url';
import { truncateValue } from '../../kit/limits';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD_ORIGINAL,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_FULL,
  OTHER_VALUE,
} from '../http-shared/semconv';
import { readRequestTarget, type RequestTarget } from './request-target';
import { requestHeaderValues, setRequestHeader } from './request-headers';
import { isBodyCancellation } from './undici-errors';
import { AbandonedRequestWatch, mayBeAbandoned, type OpenRequest } from './abandoned-requests';
import type {
  RequestCreateMessage,
  RequestErrorMessage,
  ResponseHeadersMessage,
  ResponseTrailersMessage,
  SendHeadersMessage,
  UndiciRequest,
} from './undici-types';

export interface UndiciChannelHandlers {
  onCreate(message: RequestCreateMessage): void;
  onSendHeaders(message: SendHeadersMessage): void;
  onHeaders(message: ResponseHeadersMessage): void;
  onTrailers(message: ResponseTrailersMessage): void;
  onError(message: RequestErrorMessage): void;
}

/** Stable codes for our own failures, logged once each (see src/log.ts). */
const E_CREATE = 'OTELI_E_UNDICI_CREATE';
const E_INJECT = 'OTELI_E_UNDICI_INJECT';
const E_RESPONSE = 'OTELI_E_UNDICI_RESPONSE';
const E_END = 'OTELI_E_UNDICI_END';


// Read once: performance.timeOrigin is a getter that does work on each access.
const TIME_ORIGIN_MS = performance.timeOrigin;

function nowMs(): number {
  return TIME_ORIGIN_MS + performance.now();
}

function headerSetter(carrier: UndiciRequest, key: string, value: string): void {
  setRequestHeader(carrier, key, value);
}

export function createUndiciChannelHandlers(ctx: InstrumentationContext<HttpSettings>): UndiciChannelHandlers {
  const { tracer } = ctx;
  const {
    isExcluded,
    clientRequestHeaders: requestCapture,
    clientResponseHeaders: responseCapture,
    normalizeMethod,
    oldSemconv,
    urlLengthCap,
    headerValueLengthCap,
  } = ctx.settings;
  const openRequests = new WeakMap<UndiciRequest, OpenRequest>();
  const abandoned = new AbandonedRequestWatch(endAbandoned);
  // Every request is measured, sampled or not: then even unsampled ones are tracked.
  const duration = ctx.meter?.histogram(HTTP_CLIENT_REQUEST_DURATION);

  /** The single place a span ends, so it ends exactly once whichever message comes first. */
  function finish(request: UndiciRequest, open: OpenRequest): void {
    openRequests.delete(request);
    if (open.watched) abandoned.unwatch(open);
    open.ended = true;
    open.span.end();
    measure(open);
  }

  function measure(open: OpenRequest): void {
    if (duration === undefined) return;
    try {
      const statusCode = open.statusCode > 0 ? open.statusCode : undefined;
      duration.record(durationSeconds(open.span, open.startedAt), clientDurationAttributes(open.method, open.serverAddress, open.serverPort, statusCode, open.errorType));
    } catch (err) {
      log.errorOnce('OTELI_E_UNDICI_METRIC', 'could not record the duration of an undici request', err);
    }
  }

  function endAbandoned(open: OpenRequest): void {
    // undici dropped the request without publishing trailers or an error (an upgrade in
    // undici < 7 publishes neither): end the span when the last thing happened on the wire.
    if (open.ended) return;
    open.ended = true;
    try {
      open.span.end(open.lastActivityMs);
      measure(open);
    } catch (err) {
      log.errorOnce(E_END, 'could not end an abandoned undici span', err);
    }
  }

  function injectContext(request: UndiciRequest, span: Span, parent: ReturnType<typeof context.active>): void {
    // The propagator writes through our setter straight onto undici's request, replacing a
    // header of the same name the app may have forwarded from an incoming request.
    try {
      propagation.inject(trace.setSpan(parent, span), request, { set: headerSetter });
    } catch (err) {
      log.errorOnce(E_INJECT, 'could not add trace context headers to an undici request', err);
    }
  }

  function onCreate({ request }: RequestCreateMessage): void {
    try {
      if (request == null || openRequests.has(request) || ctx.isStoodDown()) return;
      // Published synchronously from the Request constructor inside fetch()/request(), so the
      // active context is the caller's (checked on Node 20.20/undici 6.24, 22.23/6.28, 24.21/7.29).
      const parent = context.active();
      if (isTracingSuppressed(parent)) return;
      const target = readRequestTarget(request);
      if (isExcluded !== undefined && target !== undefined && isExcluded(target.path, pathWithoutQuery(target.url))) return;

      const sentMethod = typeof request.method === 'string' ? request.method : 'GET';
      const method = normalizeMethod(sentMethod);
      // Given at creation, as the conventions ask, so that a sampler can read them.
      const span = tracer.startSpan(
        spanNameForMethod(method),
        { kind: SpanKind.CLIENT, attributes: handOver(requestAttributes(request, sentMethod, method, target)) },
        parent,
      );
      // An unsampled span still propagates its context but needs no bookkeeping. A recording one
      // is tracked before anything else can throw, so it always ends.
      if (span.isRecording() || duration !== undefined) {
        const open: OpenRequest = {
          span,
          statusCode: 0,
          lastActivityMs: nowMs(),
          ended: false,
          watched: false,
          method,
          serverAddress: target?.serverAddress,
          serverPort: target?.serverPort,
          startedAt: performance.now(),
          errorType: undefined,
        };
        openRequests.set(request, open);
        // Only requests that may never publish trailers or an error are watched (see abandoned-requests.ts).
        if (mayBeAbandoned(request)) abandoned.watch(request, open);
      }
      injectContext(request, span, parent);
      if (requestCapture !== undefined && span.isRecording()) {
        setCapturedHeaders(span, requestCapture, request, requestHeaderValues);
      }
    } catch (err) {
      log.errorOnce(E_CREATE, 'could not start a span for an undici request', err);
    }
  }

  function requestAttributes(
    request: UndiciRequest,
    sentMethod: string,
    method: string,
    target: RequestTarget | undefined,
  ): Attributes {
    const attributes: Attributes = { 'http.request.method': method } // literal key: see http/server.ts recordServerDuration;
    if (method === OTHER_VALUE) attributes[ATTR_HTTP_REQUEST_METHOD_ORIGINAL] = sentMethod;
    if (target !== undefined) {
      attributes[ATTR_URL_FULL] = redactUrlFull(target.url, urlLengthCap);
      attributes[ATTR_SERVER_ADDRESS] = target.serverAddress;
      attributes[ATTR_SERVER_PORT] = target.serverPort;
      if (oldSemconv) {
        const userAgent = requestHeaderValues(request, 'user-agent')?.[0];
        addOldRequestAttributes(attributes, 'client', {
          target: redactTarget(target.pathAndQuery, urlLengthCap),
          host: target.host,
          userAgent: userAgent === undefined ? undefined : truncateValue(userAgent, headerValueLengthCap),
        });
      }
    }
    return attributes;
  }

  function onSendHeaders({ request, socket }: SendHeadersMessage): void {
    const open = openRequests.get(request);
    if (open === undefined) return;
    try {
      // undici speaks HTTP/1.1 unless ALPN chose h2 (undici 6+ with allowH2).
      const version = socket?.alpnProtocol === 'h2' ? '2' : '1.1';
      open.span.setAttribute(ATTR_NETWORK_PROTOCOL_VERSION, version);
      if (oldSemconv) {
        const peer = socket?.remoteAddress;
        setOldConnection(open.span, version, typeof peer === 'string' ? peer : undefined);
      }
      open.lastActivityMs = nowMs();
    } catch (err) {
      log.errorOnce(E_RESPONSE, 'could not record an undici request', err);
    }
  }

  function onHeaders({ request, response }: ResponseHeadersMessage): void {
    const open = openRequests.get(request);
    if (open === undefined) return;
    try {
      const { span } = open;
      const statusCode = response.statusCode;
      open.statusCode = statusCode;
      open.lastActivityMs = nowMs();
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, statusCode);
      // A head below 200 (101 Switching Protocols) hands the connection over: no trailers follow.
      if (statusCode < 200 && !open.watched) abandoned.watch(request, open);
      if (responseCapture !== undefined && Array.isArray(response.headers)) {
        setCapturedHeaders(span, responseCapture, response.headers, valuesFromRawPairs);
      }
      if (oldSemconv) {
        const length = Array.isArray(response.headers) ? valuesFromRawPairs(response.headers, 'content-length')?.[0] : undefined;
        setOldResponse(span, statusCode, length);
      }
      if (statusCode >= 400) {
        // Client spans: every 4xx and 5xx is an error (semconv, HTTP client status).
        open.errorType = errorTypeForStatus(statusCode);
        span.setAttribute(ATTR_ERROR_TYPE, open.errorType);
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
    } catch (err) {
      log.errorOnce(E_RESPONSE, 'could not record an undici response', err);
    }
  }

  function onTrailers({ request }: ResponseTrailersMessage): void {
    const open = openRequests.get(request);
    if (open === undefined) return;
    try {
      finish(request, open);
    } catch (err) {
      log.errorOnce(E_END, 'could not end an undici span', err);
    }
  }

  function onError({ request, error }: RequestErrorMessage): void {
    const open = openRequests.get(request);
    if (open === undefined) return;
    try {
      endOnError(request, open, error);
    } catch (err) {
      log.errorOnce(E_END, 'could not end an undici span', err);
    }
  }

  function endOnError(request: UndiciRequest, open: OpenRequest, error: unknown): void {
    // After the response head, an abort is the app giving up on a body it chose not to read
    // (`res.body.cancel()`, an AbortController, or fetch cancelling the body of a Response that
    // was garbage collected): the HTTP exchange itself succeeded, so the status stays as the
    // response made it. A network failure mid-body is still an error.
    if (open.statusCode > 0 && isBodyCancellation(error)) {
      finish(request, open);
      return;
    }
    open.errorType = errorTypeForError(error);
    recordError(open.span, error, { errorType: open.errorType });
    finish(request, open);
  }

  return { onCreate, onSendHeaders, onHeaders, onTrailers, onError };
}

