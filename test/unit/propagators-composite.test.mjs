// createPropagator(OTEL_PROPAGATORS) and the composite that contains failures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const api = require('@opentelemetry/api');
const { createPropagator } = require('../../dist/sdk/propagators/index.js');
const { CompositePropagator } = require('../../dist/sdk/propagators/composite.js');
const { W3CTraceContextPropagator } = require('../../dist/sdk/propagators/tracecontext.js');
const { setLogLevel } = require('../../dist/log.js');

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const SPAN_ID = 'b7ad6b7169203331';

function injectAll(propagator, ctx) {
  const carrier = {};
  propagator.inject(ctx, carrier, api.defaultTextMapSetter);
  return carrier;
}

test('OTEL_PROPAGATORS=tracecontext,baggage,b3,b3multi: every header, in order', () => {
  const propagator = createPropagator(['tracecontext', 'baggage', 'b3', 'b3multi']);
  assert.deepEqual(propagator.fields(), [
    'traceparent', 'tracestate', 'baggage', 'b3',
    'x-b3-traceid', 'x-b3-spanid', 'x-b3-flags', 'x-b3-sampled', 'x-b3-parentspanid',
  ]);
  const ctx = propagator.extract(
    api.ROOT_CONTEXT,
    { traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`, baggage: 'k=v' },
    api.defaultTextMapGetter,
  );
  assert.deepEqual(injectAll(propagator, ctx), {
    traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`,
    baggage: 'k=v',
    b3: `${TRACE_ID}-${SPAN_ID}-1`,
    'x-b3-traceid': TRACE_ID,
    'x-b3-spanid': SPAN_ID,
    'x-b3-sampled': '1',
  });
});

test('extract: a later propagator wins when both find a context', () => {
  const headers = { traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`, b3: `${'a'.repeat(32)}-${'b'.repeat(16)}-0` };
  const w3cLast = createPropagator(['b3', 'tracecontext']).extract(api.ROOT_CONTEXT, headers, api.defaultTextMapGetter);
  assert.equal(api.trace.getSpanContext(w3cLast).traceId, TRACE_ID);
  const b3Last = createPropagator(['tracecontext', 'b3']).extract(api.ROOT_CONTEXT, headers, api.defaultTextMapGetter);
  assert.equal(api.trace.getSpanContext(b3Last).traceId, 'a'.repeat(32));
});

test('OTEL_PROPAGATORS=none: an empty list does nothing', () => {
  const propagator = createPropagator([]);
  assert.deepEqual(propagator.fields(), []);
  const ctx = api.trace.setSpanContext(api.ROOT_CONTEXT, { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1 });
  assert.deepEqual(injectAll(propagator, ctx), {});
  assert.equal(propagator.extract(api.ROOT_CONTEXT, { traceparent: `00-${TRACE_ID}-${SPAN_ID}-01` }, api.defaultTextMapGetter), api.ROOT_CONTEXT);
});

test('a name given twice is used once; an unknown name is skipped', () => {
  setLogLevel('none');
  assert.deepEqual(createPropagator(['tracecontext', 'tracecontext']).fields(), ['traceparent', 'tracestate']);
  assert.deepEqual(createPropagator(['nope', 'baggage']).fields(), ['baggage']);
  setLogLevel('warn');
});

test('a throwing getter, setter or propagator is contained; the others still run', () => {
  setLogLevel('none');
  const boom = {
    inject() { throw new Error('inject boom'); },
    extract() { throw new Error('extract boom'); },
    fields() { throw new Error('fields boom'); },
  };
  const composite = new CompositePropagator([boom, new W3CTraceContextPropagator()]);
  assert.deepEqual(composite.fields(), ['traceparent', 'tracestate']);
  const ctx = composite.extract(api.ROOT_CONTEXT, { traceparent: `00-${TRACE_ID}-${SPAN_ID}-01` }, api.defaultTextMapGetter);
  assert.equal(api.trace.getSpanContext(ctx).traceId, TRACE_ID);
  assert.equal(injectAll(composite, ctx).traceparent, `00-${TRACE_ID}-${SPAN_ID}-01`);

  const throwingGetter = { get() { throw new Error('getter'); }, keys() { return []; } };
  const throwingSetter = { set() { throw new Error('setter'); } };
  const all = createPropagator(['tracecontext', 'baggage', 'b3', 'b3multi']);
  assert.equal(all.extract(api.ROOT_CONTEXT, {}, throwingGetter), api.ROOT_CONTEXT);
  assert.doesNotThrow(() => all.inject(ctx, {}, throwingSetter));
  setLogLevel('warn');
});

test('fields() returns a copy', () => {
  const propagator = createPropagator(['baggage']);
  propagator.fields().push('x');
  assert.deepEqual(propagator.fields(), ['baggage']);
});
