/**
 * CLIENT spans for http.request / http.get / https.request / https.get.
 *
 * The wrapper starts the span and injects propagation headers into a copy of the arguments; the
 * rest is observed without touching the app's events: Node's diagnostics channels report the
 * response (`http.client.response.finish`) and request errors (`http.client.request.error`), and
 * plain 'end' / 'close' listeners end the span. We add no 'response' listener, because one would
 * stop Node from dumping a response nobody listens to, and no 'error' listener, because one would
 * turn the app's unhandled-error crash into silence.
 *
 * A response body nobody reads never emits 'end'; the request's 'close' (its socket closing) ends
 * the span then, so no span is left open.
 */
import type { ClientRequest, IncomingMessage } from 'node:http';
import { context, propagation, SpanKind, SpanStatusCode, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { log } from '../../log';
import { handOver } from '../../sdk/attributes';
import { isTracingSuppressed } from '../../sdk/suppress-tracing';
import { errorTypeForError, errorTypeForStatus } from '../http-shared/error-type';
import { recordError } from '../../kit/errors';
import { setCapturedHeaders, headerValueToArray, type HeaderCapture } from '../http-shared/headers';
import { spanNameForMethod } from '../http-shared/method';
import { addOldRequestAttributes, setOldClientHeaders, setOldConnection, setOldResponse } from '../http-shared/old-semconv';
import * as semconv from '../http-shared/semconv';
import { pathWithoutQuery } from '../http-shared/excluded';
import { formatUrlFull, redactTarget } from '../http-shared/url';
import { truncateValue } from '../../kit/limits';
import { protocolVersion } from './incoming-attributes';
import { outgoingHeaderValues } from './outgoing-headers';
import { argsWithHeaders, readRequestTarget } from './request-args';
import type { HttpSettings } from './settings';
import type { Histogram } from '../../metrics/histogram';
import { durationSeconds } from '../../metrics/duration';
import { clientDurationAttributes } from '../http-shared/client-duration';

type RequestFunction = (this: unknown, ...args: unknown[]) => ClientRequest;

interface ClientSpanState {
  readonly span: Span;
  readonly settings: HttpSettings;
  response: IncomingMessage | undefined;
  /** For http.client.request.duration (the span's attributes cannot be read back). */
  readonly method: string;
  readonly serverAddress: string;
  readonly serverPort: number;
  readonly startedAt: number;
  errorType: string | undefined;
}

/** http.client.request.duration, when metrics are on: set by the patch (one agent per process). */
let clientDuration: Histogram | undefined;

function recordClientDuration(state: ClientSpanState): void {
  const histogram = clientDuration;
  if (histogram === undefined) return;
  try {
    const statusCode = state.response === undefined ? undefined : state.response.statusCode ?? 0;
    histogram.record(durationSeconds(state.span, state.startedAt), clientDurationAttributes(state.method, state.serverAddress, state.serverPort, statusCode, state.errorType));
  } catch (err) {
    log.errorOnce('OTELI_E_HTTP_CLIENT_METRIC', 'http: recording the client request duration failed', err);
  }
}

const clientSpans = new WeakMap<ClientRequest, ClientSpanState>();
const responseToRequest = new WeakMap<IncomingMessage, ClientRequest>();

/**
 * True while Node's own request/get runs: a library (or another agent) whose `get` calls the
 * exported `request` would otherwise get two CLIENT spans for one request.
 */
let insideOutgoingCall = false;

function incomingHeaderValues(res: IncomingMessage, lowerName: string): string[] | undefined {
  return headerValueToArray(res.headersDistinct[lowerName]);
}

function finishClientSpan(req: ClientRequest, state: ClientSpanState): void {
  clientSpans.delete(req);
  try {
    const capture: HeaderCapture | undefined = state.settings.clientRequestHeaders;
    if (capture !== undefined) setCapturedHeaders(state.span, capture, req, outgoingHeaderValues);
  } catch (err) {
    log.errorOnce('OTELI_E_HTTP_CLIENT_END', 'http: recording a client request failed', err);
  }
  state.span.end();
  recordClientDuration(state);
}

function failClientSpan(span: Span, err: unknown, state?: ClientSpanState): void {
  const errorType = errorTypeForError(err);
  if (state !== undefined) state.errorType = errorType;
  recordError(span, err, { errorType });
}

function onClientResponseEnd(this: IncomingMessage): void {
  const req = responseToRequest.get(this);
  const state = req === undefined ? undefined : clientSpans.get(req);
  if (state !== undefined) finishClientSpan(req!, state);
}

function onClientResponseClose(this: IncomingMessage): void {
  const req = responseToRequest.get(this);
  const state = req === undefined ? undefined : clientSpans.get(req);
  if (state === undefined) return;
  try {
    // Closed before the body was complete: the connection broke mid-response.
    if (!this.complete) failClientSpan(state.span, this.errored ?? new Error('response aborted'), state);
  } catch (err) {
    log.errorOnce('OTELI_E_HTTP_CLIENT_CLOSE', 'http: recording an aborted response failed', err);
  }
  finishClientSpan(req!, state);
}

function onClientRequestClose(this: ClientRequest): void {
  const state = clientSpans.get(this);
  if (state === undefined) return;
  // Without a response and without a reported error (Node < 20.x has no error channel, or the
  // app destroyed the request): we know it failed, not why.
  if (state.response === undefined) {
    try {
      state.errorType = semconv.OTHER_VALUE;
      state.span.setAttribute(semconv.ATTR_ERROR_TYPE, semconv.OTHER_VALUE);
      state.span.setStatus({ code: SpanStatusCode.ERROR, message: 'request closed without a response' });
    } catch (err) {
      log.errorOnce('OTELI_E_HTTP_CLIENT_CLOSE', 'http: recording a closed request failed', err);
    }
  }
  // With a response whose body was never read, 'end' never comes: the socket closing is the end.
  finishClientSpan(this, state);
}

function onResponseChannel(message: unknown): void {
  try {
    const { request, response } = message as { request: ClientRequest; response: IncomingMessage };
    const state = clientSpans.get(request);
    if (state === undefined || state.response !== undefined) return;
    state.response = response;
    const span = state.span;
    const statusCode = response.statusCode ?? 0;
    span.setAttribute(semconv.ATTR_HTTP_RESPONSE_STATUS_CODE, statusCode);
    const version = protocolVersion(response.httpVersion);
    if (version !== undefined) span.setAttribute(semconv.ATTR_NETWORK_PROTOCOL_VERSION, version);
    // Client spans: any 4xx or 5xx is a failed call (semconv).
    if (statusCode >= 400) {
      state.errorType = errorTypeForStatus(statusCode);
      span.setAttribute(semconv.ATTR_ERROR_TYPE, state.errorType);
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    const capture = state.settings.clientResponseHeaders;
    if (capture !== undefined) setCapturedHeaders(span, capture, response, incomingHeaderValues);
    if (state.settings.oldSemconv) {
      setOldResponse(span, statusCode, response.headers['content-length']);
      setOldConnection(span, version, response.socket?.remoteAddress);
    }
    responseToRequest.set(response, request);
    response.on('end', onClientResponseEnd);
    response.on('close', onClientResponseClose);
  } catch (err) {
    // A throwing diagnostics_channel subscriber becomes an uncaught exception in the app.
    log.errorOnce('OTELI_E_HTTP_CLIENT_RESPONSE', 'http: recording a client response failed', err);
  }
}

function onErrorChannel(message: unknown): void {
  try {
    const { request, error } = message as { request: ClientRequest; error: unknown };
    const state = clientSpans.get(request);
    if (state === undefined) return;
    failClientSpan(state.span, error, state);
    finishClientSpan(request, state);
  } catch (err) {
    log.errorOnce('OTELI_E_HTTP_CLIENT_ERROR', 'http: recording a client error failed', err);
  }
}

/** The handlers of the http definition's diagnostics channels (http/index.ts). */
export const clientChannelHandlers = { onResponse: onResponseChannel, onError: onErrorChannel };

interface ClientCallPlan {
  readonly span: Span;
  readonly args: unknown[] | ArrayLike<unknown>;
  readonly method: string;
  readonly serverAddress: string;
  readonly serverPort: number;
  readonly startedAt: number;
}

/** The span and arguments for one call, or undefined to leave the call alone. Never throws. */
function planClientCall(
  tracer: Tracer,
  settings: HttpSettings,
  moduleScheme: 'http' | 'https',
  args: ArrayLike<unknown>,
): ClientCallPlan | undefined {
  try {
    const active = context.active();
    if (isTracingSuppressed(active)) return undefined;
    const target = readRequestTarget(args, moduleScheme);
    const urlCap = settings.urlLengthCap;
    // Past the cap, a URL pattern of OTEL_NODE_HTTP_EXCLUDED_URLS sees the URL as recorded (cut);
    // path patterns always see the whole path.
    const urlFull = formatUrlFull(target.scheme, target.hostname, target.port, target.path, target.hasUserinfo, urlCap);
    if (settings.isExcluded !== undefined && settings.isExcluded(pathWithoutQuery(target.path), pathWithoutQuery(urlFull))) return undefined;
    const method = settings.normalizeMethod(target.method);
    // Literal keys (semconv.ATTR_*): see http/server.ts recordServerDuration.
    const attributes: Attributes = {
      'http.request.method': method,
      'url.full': urlFull,
      'server.address': target.hostname,
      'server.port': target.port,
    };
    if (method !== target.method) attributes[semconv.ATTR_HTTP_REQUEST_METHOD_ORIGINAL] = target.method;
    // Host and User-Agent are added once Node built the request (trackClientRequest).
    if (settings.oldSemconv) addOldRequestAttributes(attributes, 'client', { target: redactTarget(target.path, urlCap) });
    // Given at creation, as the conventions ask, so that a sampler can read them.
    const span = tracer.startSpan(spanNameForMethod(method), { kind: SpanKind.CLIENT, attributes: handOver(attributes) }, active);
    const injected: Record<string, string> = {};
    propagation.inject(trace.setSpan(active, span), injected);
    // No propagator wrote anything (OTEL_PROPAGATORS=none): call Node with the app's own arguments.
    let hasInjected = false;
    for (const _ in injected) {
      hasInjected = true;
      break;
    }
    return {
      span,
      args: hasInjected ? argsWithHeaders(args, target, injected, moduleScheme) : args,
      method,
      serverAddress: target.hostname,
      serverPort: target.port,
      startedAt: performance.now(),
    };
  } catch (err) {
    // Also reached for arguments Node rejects (an invalid URL): Node then throws its own error.
    log.debug(`http: not tracing an outgoing request: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
}

function trackClientRequest(req: ClientRequest, plan: ClientCallPlan, settings: HttpSettings): void {
  const span = plan.span;
  // A non-recording span ignores every attribute, status and end(): only the metric needs tracking.
  if (!span.isRecording() && clientDuration === undefined) return;
  try {
    const { method, serverAddress, serverPort, startedAt } = plan;
    clientSpans.set(req, { span, settings, response: undefined, method, serverAddress, serverPort, startedAt, errorType: undefined });
    req.on('close', onClientRequestClose);
    if (settings.oldSemconv) {
      const cap = settings.headerValueLengthCap;
      const host = req.getHeader('host');
      const userAgent = req.getHeader('user-agent');
      setOldClientHeaders(span, typeof host === 'string' ? truncateValue(host, cap) : host, typeof userAgent === 'string' ? truncateValue(userAgent, cap) : userAgent);
    }
  } catch (err) {
    log.errorOnce('OTELI_E_HTTP_CLIENT_TRACK', 'http: tracking a client request failed', err);
    span.end();
  }
}

/** makeWrapper for `request` or `get` of `http` (moduleScheme 'http') or `https`. */
export function makeRequestWrapper(tracer: Tracer, settings: HttpSettings, moduleScheme: 'http' | 'https', duration: Histogram | undefined) {
  clientDuration = duration;
  return (original: RequestFunction): RequestFunction => {
    const wrapper = function (this: unknown): ClientRequest {
      if (insideOutgoingCall) return original.apply(this, arguments as unknown as unknown[]);
      const plan = planClientCall(tracer, settings, moduleScheme, arguments);
      if (plan === undefined) return original.apply(this, arguments as unknown as unknown[]);
      let req: ClientRequest;
      insideOutgoingCall = true;
      try {
        req = original.apply(this, plan.args as unknown[]);
      } catch (err) {
        // Node rejected the request synchronously (bad protocol, header…): same error, span ended.
        try {
          failClientSpan(plan.span, err);
          plan.span.end();
        } catch {
          // best effort: the app's error is what matters
        }
        throw err;
      } finally {
        insideOutgoingCall = false;
      }
      trackClientRequest(req, plan, settings);
      return req;
    };
    // Same name and arity as Node's, for code that inspects them.
    Object.defineProperty(wrapper, 'name', { value: original.name, configurable: true });
    Object.defineProperty(wrapper, 'length', { value: original.length, configurable: true });
    return wrapper;
  };
}
