// A span keeps its ids' bytes as words of the id pool (SpanIdWords, src/sdk/ids.ts), and the OTLP
// encoder copies those instead of decoding the hex: the bytes on the wire must be the hex ids'
// whichever way they were written, for root spans, children of our spans and of remote parents,
// and across refills of the pool.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { DEFAULT_SPAN_LIMITS } from '../helpers/sdk-setup.mjs';
import { decodeTraceRequest, normalizeProtoRequest } from '../helpers/otlp-proto.mjs';

const require = createRequire(import.meta.url);
const api = require('@opentelemetry/api');
const { TracerProvider } = require('../../dist/sdk/tracer-provider.js');
const { createSampler } = require('../../dist/sdk/samplers.js');
const { ID_WORDS_TRACE, ID_WORDS_SPAN, ID_WORDS_PARENT } = require('../../dist/sdk/types.js');
const { encodeTraceRequestProto } = require('../../dist/exporters/otlp-proto-encoder.js');

function setup() {
  const ended = [];
  const provider = new TracerProvider({
    resource: { attributes: {}, droppedAttributesCount: 0 },
    sampler: createSampler('parentbased_always_on', 1),
    spanLimits: DEFAULT_SPAN_LIMITS,
    processor: { onEnd: (s) => ended.push(s), forceFlush: async () => {}, shutdown: async () => {} },
  });
  return { tracer: provider.getTracer('t'), ended };
}

const REMOTE_PARENT = {
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  traceFlags: api.TraceFlags.SAMPLED,
  isRemote: true,
};

/** The ids the encoder put on the wire, per span, as hex (decoded by protobufjs with the official schema). */
function wireIds(spans) {
  return normalizeProtoRequest(decodeTraceRequest(encodeTraceRequestProto(spans))).map((s) => ({ traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId }));
}

function hexIds(span) {
  const { traceId, spanId } = span.spanContext();
  return { traceId, spanId, parentSpanId: span.parentSpanId ?? '' };
}

test('ids: a root span, its child and a child of a remote parent keep the words of the ids they know, and the wire has the hex ids', () => {
  const { tracer } = setup();
  const root = tracer.startSpan('root');
  const child = tracer.startSpan('child', {}, api.trace.setSpan(api.ROOT_CONTEXT, root));
  const remoteChild = tracer.startSpan('remote child', {}, api.trace.setSpanContext(api.ROOT_CONTEXT, REMOTE_PARENT));
  assert.equal(root.knownIdWords, ID_WORDS_TRACE | ID_WORDS_SPAN);
  assert.equal(child.knownIdWords, ID_WORDS_TRACE | ID_WORDS_SPAN | ID_WORDS_PARENT);
  // Only its own span id: the trace id and the parent's span id came as hex from the carrier.
  assert.equal(remoteChild.knownIdWords, ID_WORDS_SPAN);
  for (const span of [root, child, remoteChild]) span.end();
  const spans = [root, child, remoteChild];
  assert.deepEqual(wireIds(spans), spans.map(hexIds));
  assert.equal(child.spanContext().traceId, root.spanContext().traceId);
  assert.equal(child.parentSpanId, root.spanContext().spanId);
});

test('ids: the words of a span are its own after the pool refilled many times, and agree with the hex-only path', () => {
  const { tracer } = setup();
  const root = tracer.startSpan('root');
  const parentContext = api.trace.setSpan(api.ROOT_CONTEXT, root);
  // 16 KiB of pool is ~680 spans' ids: 5000 children span several refills after the root's.
  const children = [];
  for (let i = 0; i < 5000; i++) children.push(tracer.startSpan(`c${i}`, {}, i % 2 === 0 ? parentContext : api.ROOT_CONTEXT));
  for (const span of children) span.end();
  root.end();
  const spans = [root, ...children];
  assert.deepEqual(wireIds(spans), spans.map(hexIds));
  // The same request with every span made to be read from its hex: byte for byte the same.
  const viaWords = encodeTraceRequestProto(spans);
  const viaHex = encodeTraceRequestProto(spans.map((span) => Object.assign(Object.create(span), { knownIdWords: 0 })));
  assert.deepEqual(Buffer.from(viaWords), Buffer.from(viaHex));
});

test('ids: a span that is not the SDK\'s own in the context gives its child no parent words (read from its hex)', () => {
  const { tracer } = setup();
  const root = tracer.startSpan('root');
  // What another SDK's span, or api.trace.wrapSpanContext, puts in a context.
  const foreign = api.trace.wrapSpanContext({ ...root.spanContext() });
  const child = tracer.startSpan('child', {}, api.trace.setSpan(api.ROOT_CONTEXT, foreign));
  assert.equal(child.knownIdWords, ID_WORDS_SPAN);
  child.end();
  root.end();
  assert.deepEqual(wireIds([root, child]), [root, child].map(hexIds));
});
