// The fetch/undici instrumentation definition (src/instrumentations/fetch/index.ts): no module
// to patch, channel subscriptions at start, span code loaded only by the first request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { createServer } from 'node:http';
import diagnosticsChannel from 'node:diagnostics_channel';

const require = createRequire(import.meta.url);
const api = require('@opentelemetry/api');
const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { W3CTraceContextPropagator } = require('@opentelemetry/core');
const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks');
const undici = require('undici');
const definition = require('../../dist/instrumentations/fetch/index.js').default;
const { subscribeChannels } = require('../../dist/hooks/channels.js');
require('../../dist/log.js').setLogLevel('none');

const CLIENT_SPANS_MODULE = require.resolve('../../dist/instrumentations/fetch/client-spans.js');
const HTTP_CONFIG = {
  excludedUrls: [],
  captureHeaders: { serverRequest: [], serverResponse: [], clientRequest: [], clientResponse: [] },
};

test("the definition: id 'undici', no patch targets, the undici:request:* channels, create loads", () => {
  assert.equal(definition.id, 'undici');
  assert.deepEqual(definition.targets, []);
  assert.deepEqual(
    definition.channels.on.map((c) => `${c.channel}${c.loads ? ' (loads)' : ''}`),
    ['undici:request:create (loads)', 'undici:client:sendHeaders', 'undici:request:headers', 'undici:request:trailers', 'undici:request:error'],
  );
  assert.equal(definition.channels.on.filter((c) => c.loads).map((c) => c.channel).join(), 'undici:request:create');
  assert.ok(Object.isFrozen(definition));
});

test('start subscribes; the span code loads on the first request; npm undici and global fetch both traced', async (t) => {
  api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  api.propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const server = createServer((req, res) => res.end(req.headers.traceparent ?? 'none'));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const url = `http://127.0.0.1:${server.address().port}/`;

  const settings = definition.settings({ http: HTTP_CONFIG, semconvStabilityOptIn: [] });
  subscribeChannels('undici', definition.channels, () => ({ id: 'undici', tracer: provider.getTracer('otel-instrument/undici'), settings, isStoodDown: () => false }));
  assert.equal(diagnosticsChannel.hasSubscribers('undici:request:create'), true);
  assert.equal(require.cache[CLIENT_SPANS_MODULE], undefined, 'not loaded at start');
  // A message about a request we never saw created loads nothing and throws nothing.
  diagnosticsChannel.channel('undici:request:trailers').publish({ request: {}, trailers: [] });
  assert.equal(require.cache[CLIENT_SPANS_MODULE], undefined, 'not loaded by other channels');

  const viaPackage = await undici.request(url);
  const packageTraceparent = await viaPackage.body.text();
  assert.notEqual(require.cache[CLIENT_SPANS_MODULE], undefined, 'loaded by the first request');
  const viaGlobal = await fetch(url);
  const globalTraceparent = await viaGlobal.text();

  const spans = exporter.getFinishedSpans();
  assert.equal(spans.length, 2);
  const traceparents = spans.map((s) => `00-${s.spanContext().traceId}-${s.spanContext().spanId}-01`);
  assert.deepEqual(traceparents, [packageTraceparent, globalTraceparent]);
});
