// The route seam (src/instrumentations/http-shared/web-record.ts): per request, http attaches a
// web record to the request, the framework sets the route on it, and when the response ends http
// takes the record back and names the SERVER span from the route. Measured: that whole path for
// express (a middleware mounted at `/` then the route `/users/:id`, through the instrumentation's
// runLayer: the mount pushed and popped, the templates joined), the same with express's two
// INTERNAL spans (its default), and fastify's route-naming hook. The SERVER span is one open span
// reused, so its creation is not in the numbers (see the span case). Ours only: no other agent
// has this seam in a form that can be called alone.
import { createRequire } from 'node:module';
import { DEFAULT_SPAN_LIMITS } from '../../test/helpers/sdk-setup.mjs';

const require = createRequire(import.meta.url);
const api = require('@opentelemetry/api');
const { TracerProvider } = require('../../dist/sdk/tracer-provider.js');
const { createSampler } = require('../../dist/sdk/samplers.js');
const { AsyncLocalStorageContextManager } = require('../../dist/sdk/context-manager.js');
const { attachWebRecord, runEndings, webRecordOf } = require('../../dist/instrumentations/http-shared/web-record.js');
const { ServerContext } = require('../../dist/instrumentations/http/server-context.js');
const { runLayer } = require('../../dist/instrumentations/express/layers.js');
const { recordNewLayers } = require('../../dist/instrumentations/express/route-paths.js');
const { nameRoute } = require('../../dist/instrumentations/fastify/spans.js');

const noopProcessor = { onStart() {}, onEnd() {}, forceFlush: async () => {}, shutdown: async () => {} };

/** What http does at the start of a request: a record on the request, in its context. */
function attach(req, serverSpan) {
  const record = { type: 'http', span: serverSpan, method: 'GET', scheme: 'http', route: undefined, framework: undefined, startedAt: 0, isEnded: false, frameworkState: undefined, endings: undefined };
  attachWebRecord(req, record);
  return new ServerContext(api.ROOT_CONTEXT, serverSpan, record);
}

/** What http does when the response ends (http/server.ts, onResponseEnded and applyRoute). */
function nameServerSpan(record) {
  runEndings(record, (err) => {
    throw err;
  });
  record.isEnded = true;
  if (record.route === undefined) return 0;
  record.span.setAttribute('http.route', record.route);
  record.span.updateName(`GET ${record.route}`);
  return record.route.length;
}

function expressLoop(tracer, serverSpan, internalSpans) {
  const settings = { internalSpans };
  const middleware = { handle: function requestId() {}, name: 'requestId' };
  const route = { handle: function handle() {}, name: 'handle', route: {} };
  recordNewLayers([middleware], 0, '/');
  recordNewLayers([route], 0, '/users/:id');
  const done = () => 0;
  // The layers' handleRequest(req, res, next): the middleware passes on, the route answers.
  const callNext = (req, res, next) => next();
  const answer = () => 0;
  return (n) => {
    let out = 0;
    for (let i = 0; i < n; i++) {
      const req = { url: '/users/42', method: 'GET' };
      const ctx = attach(req, serverSpan);
      api.context.with(ctx, () => {
        runLayer(tracer, settings, callNext, middleware, false, undefined, req, undefined, done, undefined);
        runLayer(tracer, settings, answer, route, false, undefined, req, undefined, done, undefined);
      });
      out += nameServerSpan(webRecordOf(req));
    }
    return out;
  };
}

function fastifyLoop(serverSpan) {
  const done = () => {};
  return (n) => {
    let out = 0;
    for (let i = 0; i < n; i++) {
      const raw = { url: '/users/42', method: 'GET' };
      attach(raw, serverSpan);
      nameRoute.call(undefined, { raw, routeOptions: { url: '/users/:id' } }, {}, done);
      out += nameServerSpan(webRecordOf(raw));
    }
    return out;
  };
}

export function cases() {
  // express's layers run in context.with: the agent's own context manager, as in an app.
  api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const tracer = new TracerProvider({
    resource: { attributes: { 'service.name': 'bench' }, droppedAttributesCount: 0 },
    sampler: createSampler('parentbased_always_on', 1),
    spanLimits: DEFAULT_SPAN_LIMITS,
    processor: noopProcessor,
  }).getTracer('bench', '1.0.0');
  const serverSpan = tracer.startSpan('GET', { kind: api.SpanKind.SERVER }, api.ROOT_CONTEXT);
  return [
    { name: 'route seam: express, middleware + route, INTERNAL spans off', ours: expressLoop(tracer, serverSpan, false), ops: 200_000 },
    { name: 'route seam: express, the same with its 2 INTERNAL spans', ours: expressLoop(tracer, serverSpan, true), ops: 100_000 },
    { name: 'route seam: fastify, route-naming hook', ours: fastifyLoop(serverSpan), ops: 300_000 },
  ];
}
