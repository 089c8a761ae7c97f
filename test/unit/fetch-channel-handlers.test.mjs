// The per-request span logic (src/instrumentations/fetch/client-spans.ts), fed undici's channel
// messages directly in every order undici publishes them, with the official SDK as the tracer:
// instrumentations talk only to @opentelemetry/api.
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const require = createRequire(import.meta.url);
const api = require('@opentelemetry/api');
const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, AlwaysOffSampler } =
  require('@opentelemetry/sdk-trace-base');
const { W3CTraceContextPropagator } = require('@opentelemetry/core');
const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks');
const { createUndiciChannelHandlers } = require('../../dist/instrumentations/fetch/client-spans.js');
const { compileHttpSettings } = require('../../dist/instrumentations/http/settings.js');
const { suppressTracing } = require('../../dist/sdk/suppress-tracing.js');
require('../../dist/log.js').setLogLevel('none');

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');

api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
api.propagation.setGlobalPropagator(new W3CTraceContextPropagator());
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer = provider.getTracer('otel-instrument/undici', '0.1.0');

const HTTP_CONFIG = {
  excludedUrls: ['/health'],
  captureHeaders: { serverRequest: [], serverResponse: [], clientRequest: ['x-id'], clientResponse: ['x-answer'] },
};
const SETTINGS = compileHttpSettings({ http: HTTP_CONFIG, semconvStabilityOptIn: [] });
const handlers = createUndiciChannelHandlers({ id: 'undici', tracer, settings: SETTINGS, isStoodDown: () => false });

/** undici's Request as the channels hand it over (undici ≥ 6.7 shape). */
function undiciRequest(path = '/items?id=1', method = 'GET', headers = ['x-id', 'abc']) {
  return {
    origin: 'http://127.0.0.1:8080',
    path,
    method,
    headers: [...headers],
    addHeader(name, value) {
      this.headers.push(name, value);
      return this;
    },
  };
}
const rawHeaders = (...pairs) => pairs.map((h) => Buffer.from(h));
const h1Socket = { alpnProtocol: false };
const ended = () => exporter.getFinishedSpans();

beforeEach(() => exporter.reset());

test('create → sendHeaders → headers 200 → trailers: one CLIENT span with the stable attributes', () => {
  const request = undiciRequest();
  handlers.onCreate({ request });
  handlers.onSendHeaders({ request, socket: h1Socket });
  handlers.onHeaders({ request, response: { statusCode: 200, statusText: 'OK', headers: rawHeaders('X-Answer', '42') } });
  assert.equal(ended().length, 0, 'still open until the body is received');
  handlers.onTrailers({ request, trailers: [] });

  assert.equal(ended().length, 1);
  const [span] = ended();
  assert.equal(span.name, 'GET');
  assert.equal(span.kind, api.SpanKind.CLIENT);
  assert.deepEqual(span.attributes, {
    'http.request.method': 'GET',
    'url.full': 'http://127.0.0.1:8080/items?id=1',
    'server.address': '127.0.0.1',
    'server.port': 8080,
    'http.request.header.x-id': ['abc'],
    'network.protocol.version': '1.1',
    'http.response.status_code': 200,
    'http.response.header.x-answer': ['42'],
  });
  assert.deepEqual(span.status, { code: api.SpanStatusCode.UNSET });
  const { traceId, spanId } = span.spanContext();
  assert.deepEqual(request.headers, ['x-id', 'abc', 'traceparent', `00-${traceId}-${spanId}-01`]);
});

test('h2 is network.protocol.version 2', () => {
  const request = undiciRequest();
  handlers.onCreate({ request });
  handlers.onSendHeaders({ request, socket: { alpnProtocol: 'h2' } });
  handlers.onTrailers({ request, trailers: [] });
  assert.equal(ended()[0].attributes['network.protocol.version'], '2');
});

for (const statusCode of [400, 404, 500, 503]) {
  test(`status ${statusCode}: ERROR with error.type '${statusCode}', no exception`, () => {
    const request = undiciRequest();
    handlers.onCreate({ request });
    handlers.onHeaders({ request, response: { statusCode, headers: [] } });
    handlers.onTrailers({ request, trailers: [] });
    const [span] = ended();
    assert.equal(span.attributes['error.type'], String(statusCode));
    assert.equal(span.attributes['http.response.status_code'], statusCode);
    assert.deepEqual(span.status, { code: api.SpanStatusCode.ERROR });
    assert.deepEqual(span.events, []);
  });
}

test('a failure before the response: ERROR, error.type from the code, the exception recorded', () => {
  const request = undiciRequest();
  const error = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8080'), { code: 'ECONNREFUSED' });
  handlers.onCreate({ request });
  handlers.onError({ request, error });
  const [span] = ended();
  assert.equal(span.attributes['error.type'], 'ECONNREFUSED');
  assert.equal(span.attributes['http.response.status_code'], undefined);
  assert.deepEqual(span.status, { code: api.SpanStatusCode.ERROR, message: 'connect ECONNREFUSED 127.0.0.1:8080' });
  assert.equal(span.events.length, 1);
  assert.equal(span.events[0].name, 'exception');
  assert.equal(span.events[0].attributes['exception.message'], 'connect ECONNREFUSED 127.0.0.1:8080');
});

test('a network failure mid-body is an error even after a 200', () => {
  const request = undiciRequest();
  const error = Object.assign(new Error('other side closed'), { name: 'SocketError', code: 'UND_ERR_SOCKET' });
  handlers.onCreate({ request });
  handlers.onHeaders({ request, response: { statusCode: 200, headers: [] } });
  handlers.onError({ request, error });
  const [span] = ended();
  assert.equal(span.attributes['error.type'], 'UND_ERR_SOCKET');
  assert.equal(span.status.code, api.SpanStatusCode.ERROR);
});

const cancellations = [
  ['fetch cancelling the body of a garbage-collected Response', 'Response object has been garbage collected'],
  ['res.body.cancel() / an AbortController', new DOMException('This operation was aborted', 'AbortError')],
];
for (const [what, error] of cancellations) {
  test(`after the response head, ${what} ends the span with the response's status`, () => {
    const request = undiciRequest();
    handlers.onCreate({ request });
    handlers.onHeaders({ request, response: { statusCode: 200, headers: [] } });
    handlers.onError({ request, error });
    const [span] = ended();
    assert.equal(ended().length, 1);
    assert.deepEqual(span.status, { code: api.SpanStatusCode.UNSET });
    assert.equal(span.attributes['error.type'], undefined);
    assert.deepEqual(span.events, []);
  });
}

test('an abort before any response is an error named after the DOMException', () => {
  const request = undiciRequest();
  handlers.onCreate({ request });
  handlers.onError({ request, error: new DOMException('This operation was aborted', 'AbortError') });
  const [span] = ended();
  assert.equal(span.attributes['error.type'], 'AbortError');
  assert.equal(span.status.code, api.SpanStatusCode.ERROR);
});

test('each span ends exactly once: an error after the trailers changes nothing', () => {
  const request = undiciRequest();
  handlers.onCreate({ request });
  handlers.onCreate({ request });
  handlers.onHeaders({ request, response: { statusCode: 200, headers: [] } });
  handlers.onTrailers({ request, trailers: [] });
  handlers.onError({ request, error: new Error('handler threw in onComplete') });
  handlers.onTrailers({ request, trailers: [] });
  assert.equal(ended().length, 1);
  assert.deepEqual(ended()[0].status, { code: api.SpanStatusCode.UNSET });
});

test('parent: the context active when undici creates the request', () => {
  const parent = tracer.startSpan('checkout');
  const request = undiciRequest();
  api.context.with(api.trace.setSpan(api.context.active(), parent), () => handlers.onCreate({ request }));
  handlers.onTrailers({ request, trailers: [] });
  const [client] = ended();
  assert.equal(client.spanContext().traceId, parent.spanContext().traceId);
  assert.equal(client.parentSpanContext.spanId, parent.spanContext().spanId);
  parent.end();
});

test('suppressed tracing: no span and no traceparent', () => {
  const request = undiciRequest();
  api.context.with(suppressTracing(api.context.active()), () => handlers.onCreate({ request }));
  handlers.onTrailers({ request, trailers: [] });
  assert.equal(ended().length, 0);
  assert.deepEqual(request.headers, ['x-id', 'abc']);
});

test('OTEL_NODE_HTTP_EXCLUDED_URLS matches the path without its query', () => {
  const request = undiciRequest('/health?probe=1');
  handlers.onCreate({ request });
  handlers.onTrailers({ request, trailers: [] });
  assert.equal(ended().length, 0);
  assert.deepEqual(request.headers, ['x-id', 'abc']);
});

test('an unknown method: span HTTP, _OTHER and the original; fetch leaves lower-case patch as sent', () => {
  for (const method of ['PURGE', 'patch']) {
    const request = undiciRequest('/', method);
    handlers.onCreate({ request });
    handlers.onTrailers({ request, trailers: [] });
  }
  assert.deepEqual(
    ended().map((s) => [s.name, s.attributes['http.request.method'], s.attributes['http.request.method_original']]),
    [['HTTP', '_OTHER', 'PURGE'], ['HTTP', '_OTHER', 'patch']],
  );
});

test('an unsampled request still propagates (flags 00) and is not tracked', () => {
  const unsampledProvider = new BasicTracerProvider({ sampler: new AlwaysOffSampler(), spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const unsampled = createUndiciChannelHandlers({ id: 'undici', tracer: unsampledProvider.getTracer('t'), settings: SETTINGS, isStoodDown: () => false });
  const request = undiciRequest();
  unsampled.onCreate({ request });
  unsampled.onTrailers({ request, trailers: [] });
  assert.equal(ended().length, 0);
  assert.match(request.headers[3], /^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
});

test("undici rejecting our header (addHeader throws) never reaches the app, and the span still ends", () => {
  const request = undiciRequest();
  request.addHeader = () => {
    throw new Error('invalid header key');
  };
  assert.doesNotThrow(() => handlers.onCreate({ request }));
  handlers.onTrailers({ request, trailers: [] });
  assert.equal(ended().length, 1);
});

test('malformed messages are contained', () => {
  assert.doesNotThrow(() => handlers.onCreate({ request: null }));
  const unreadable = { origin: 42, path: null, method: null };
  assert.doesNotThrow(() => handlers.onCreate({ request: unreadable }));
  handlers.onTrailers({ request: unreadable, trailers: [] });
  assert.deepEqual(ended()[0].attributes, { 'http.request.method': 'GET' });
  assert.doesNotThrow(() => handlers.onHeaders({ request: {}, response: {} }));
  assert.doesNotThrow(() => handlers.onError({ request: {}, error: undefined }));
});

test('a request undici forgets without trailers or error ends its span when collected, at the last activity', async () => {
  let lastActivityMs;
  (() => {
    const request = undiciRequest();
    handlers.onCreate({ request });
    handlers.onHeaders({ request, response: { statusCode: 101, headers: [] } });
    lastActivityMs = performance.timeOrigin + performance.now();
  })();
  for (let round = 0; round < 100 && ended().length === 0; round++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.equal(ended().length, 1);
  const [span] = ended();
  assert.equal(span.attributes['http.response.status_code'], 101);
  const toMs = ([s, ns]) => s * 1e3 + ns / 1e6;
  // Ended at the response head, before we even started collecting, not at collection time.
  assert.ok(toMs(span.endTime) <= lastActivityMs, `${toMs(span.endTime)} <= ${lastActivityMs}`);
  assert.ok(toMs(span.endTime) >= toMs(span.startTime));
});
