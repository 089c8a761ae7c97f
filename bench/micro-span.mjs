// Microbenchmark of the span hot path (not a test): startSpan + setAttribute ×5 + end with a no-op
// processor, ours vs @opentelemetry/sdk-trace-base's BasicTracerProvider, plus id generation.
// Rounds are interleaved (ours, theirs, ours, ...) and the median is reported, so a GC pause or
// CPU frequency change hits both sides alike. Run after `npm run build`:
//   node bench/micro-span.mjs [iterationsPerRound]
import { createRequire } from 'node:module';
import { DEFAULT_SPAN_LIMITS } from '../test/helpers/sdk-setup.mjs';

const require = createRequire(import.meta.url);
const api = require('@opentelemetry/api');
const base = require('@opentelemetry/sdk-trace-base');
const { TracerProvider } = require('../dist/sdk/tracer-provider.js');
const { createSampler } = require('../dist/sdk/samplers.js');
const { newTraceId, newSpanId } = require('../dist/sdk/ids.js');

const ITERATIONS = Number(process.argv[2] ?? 200_000);
const ROUNDS = 9;

const noopProcessor = {
  onStart() {},
  onEnd() {},
  forceFlush: async () => {},
  shutdown: async () => {},
};

const ours = new TracerProvider({
  resource: { attributes: { 'service.name': 'bench' }, droppedAttributesCount: 0 },
  sampler: createSampler('parentbased_always_on', 1),
  spanLimits: DEFAULT_SPAN_LIMITS,
  processor: noopProcessor,
}).getTracer('bench', '1.0.0');

const theirs = new base.BasicTracerProvider({
  sampler: new base.ParentBasedSampler({ root: new base.AlwaysOnSampler() }),
  spanProcessors: [noopProcessor],
}).getTracer('bench', '1.0.0');

// Both tracers see the same parent: a sampled span in an explicit context (no context manager
// is registered, so api.context.active() would be ROOT for both anyway).
const parentCtx = api.trace.setSpanContext(api.ROOT_CONTEXT, {
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  traceFlags: api.TraceFlags.SAMPLED,
});

let sink = 0;

function spanLoop(tracer, ctx) {
  return () => {
    for (let i = 0; i < ITERATIONS; i++) {
      const span = tracer.startSpan('GET /users/:id', { kind: api.SpanKind.SERVER }, ctx);
      span.setAttribute('http.request.method', 'GET');
      span.setAttribute('url.path', '/users/42');
      span.setAttribute('http.route', '/users/:id');
      span.setAttribute('http.response.status_code', 200);
      span.setAttribute('server.port', 8080);
      span.end();
      sink ^= span.spanContext().spanId.charCodeAt(3);
    }
  };
}

function idLoop(fn) {
  return () => {
    for (let i = 0; i < ITERATIONS; i++) sink ^= fn().charCodeAt(5);
  };
}

function measure(fn) {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / ITERATIONS;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function compare(title, oursFn, theirsFn) {
  const a = [];
  const b = [];
  oursFn();
  theirsFn(); // warm-up: let both be optimized before measuring
  for (let r = 0; r < ROUNDS; r++) {
    a.push(measure(oursFn));
    b.push(measure(theirsFn));
  }
  const oursNs = median(a);
  const theirsNs = median(b);
  console.log(
    `${title.padEnd(44)} ours ${oursNs.toFixed(1).padStart(7)} ns/op   sdk-trace-base ${theirsNs
      .toFixed(1)
      .padStart(7)} ns/op   ratio ${(theirsNs / oursNs).toFixed(2)}x`,
  );
}

const idGenerator = new base.RandomIdGenerator();
console.log(`node ${process.version}, ${ITERATIONS} ops/round, median of ${ROUNDS} interleaved rounds`);
compare('root span: start + setAttribute x5 + end', spanLoop(ours, api.ROOT_CONTEXT), spanLoop(theirs, api.ROOT_CONTEXT));
compare('child span: start + setAttribute x5 + end', spanLoop(ours, parentCtx), spanLoop(theirs, parentCtx));
compare('trace id', idLoop(newTraceId), idLoop(() => idGenerator.generateTraceId()));
compare('span id', idLoop(newSpanId), idLoop(() => idGenerator.generateSpanId()));
for (const [name, fn] of [['trace id', newTraceId], ['span id', newSpanId]]) {
  const ns = median(Array.from({ length: ROUNDS }, () => measure(idLoop(fn))));
  console.log(`ours: ${(1e9 / ns / 1e6).toFixed(1)} M ${name}s/sec`);
}
if (sink === 0.5) console.log(sink); // keep results observable so nothing is optimized away
