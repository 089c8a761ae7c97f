// Zipkin B3 single and multi header: https://github.com/openzipkin/b3-propagation
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const api = require('@opentelemetry/api');
const core = require('@opentelemetry/core');
const { B3SinglePropagator, B3MultiPropagator, B3_DEBUG_FLAG_KEY } = require('../../dist/sdk/propagators/b3.js');

const single = new B3SinglePropagator();
const multi = new B3MultiPropagator();
const TRACE_ID = '80f198ee56343ba864fe8b2a57d3eff7';
const TRACE_ID_64 = '64fe8b2a57d3eff7';
const SPAN_ID = 'e457b5a2e4d86bd1';
const PARENT_ID = '05e3ac9a4f6e3b90';

function extractCtx(headers, propagator = single) {
  return propagator.extract(api.ROOT_CONTEXT, headers, api.defaultTextMapGetter);
}
function extract(headers, propagator = single) {
  return api.trace.getSpanContext(extractCtx(headers, propagator));
}
function inject(ctx, propagator) {
  const carrier = {};
  propagator.inject(ctx, carrier, api.defaultTextMapSetter);
  return carrier;
}
const remote = (traceFlags, traceId = TRACE_ID) => ({ traceId, spanId: SPAN_ID, traceFlags, isRemote: true });

test('single header: every field combination', () => {
  assert.deepEqual(extract({ b3: `${TRACE_ID}-${SPAN_ID}-1-${PARENT_ID}` }), remote(1));
  assert.deepEqual(extract({ b3: `${TRACE_ID}-${SPAN_ID}-1` }), remote(1));
  assert.deepEqual(extract({ b3: `${TRACE_ID}-${SPAN_ID}-0` }), remote(0));
  // No sampling state: the decision is deferred, which W3C flags can only say as "not sampled".
  assert.deepEqual(extract({ b3: `${TRACE_ID}-${SPAN_ID}` }), remote(0));
  assert.deepEqual(extract({ b3: ` ${TRACE_ID}-${SPAN_ID}-1 ` }), remote(1));
});

test('single header: 64-bit trace ids are left-padded to 128 bits', () => {
  assert.deepEqual(extract({ b3: `${TRACE_ID_64}-${SPAN_ID}-1` }), remote(1, '0000000000000000' + TRACE_ID_64));
});

test('single header: debug means sampled and is kept in the context for the next inject', () => {
  const ctx = extractCtx({ b3: `${TRACE_ID}-${SPAN_ID}-d` });
  assert.deepEqual(api.trace.getSpanContext(ctx), remote(1));
  assert.equal(ctx.getValue(B3_DEBUG_FLAG_KEY), 'd');
  // The key is @opentelemetry/propagator-b3's (Symbol.for of the same description).
  assert.equal(B3_DEBUG_FLAG_KEY, Symbol.for('OpenTelemetry Context Key B3 Debug Flag'));
  assert.equal(inject(ctx, single).b3, `${TRACE_ID}-${SPAN_ID}-d`);
  assert.deepEqual(inject(ctx, multi), { 'x-b3-traceid': TRACE_ID, 'x-b3-spanid': SPAN_ID, 'x-b3-flags': '1' });
});

test('a sampling state alone ("b3: 0") carries no context and is ignored gracefully', () => {
  for (const b3 of ['0', '1', 'd']) {
    const ctx = extractCtx({ b3 });
    assert.equal(ctx, api.ROOT_CONTEXT, b3);
  }
  assert.equal(extractCtx({ 'x-b3-sampled': '0' }, multi), api.ROOT_CONTEXT);
  assert.equal(extractCtx({ 'x-b3-flags': '1' }, multi), api.ROOT_CONTEXT);
});

test('malformed single headers are ignored, never thrown', () => {
  const invalid = {
    'trace id upper case': `${TRACE_ID.toUpperCase()}-${SPAN_ID}-1`,
    'trace id 24 chars': `${TRACE_ID.slice(8)}-${SPAN_ID}-1`,
    'trace id all zero': `${'0'.repeat(32)}-${SPAN_ID}-1`,
    '64-bit trace id all zero': `${'0'.repeat(16)}-${SPAN_ID}-1`,
    'span id too short': `${TRACE_ID}-${SPAN_ID.slice(1)}-1`,
    'span id all zero': `${TRACE_ID}-${'0'.repeat(16)}-1`,
    'span id non-hex': `${TRACE_ID}-${SPAN_ID.slice(1)}g-1`,
    'bad sampling state': `${TRACE_ID}-${SPAN_ID}-2`,
    'sampling state two chars': `${TRACE_ID}-${SPAN_ID}-10`,
    'parent id in place of sampling state': `${TRACE_ID}-${SPAN_ID}-${PARENT_ID}`,
    'parent id too short': `${TRACE_ID}-${SPAN_ID}-1-${PARENT_ID.slice(1)}`,
    'trailing dash': `${TRACE_ID}-${SPAN_ID}-1-`,
    'extra field': `${TRACE_ID}-${SPAN_ID}-1-${PARENT_ID}-x`,
    'empty': '',
    'dash only': '-',
  };
  for (const [name, b3] of Object.entries(invalid)) {
    assert.equal(extract({ b3 }), undefined, name);
    assert.equal(extract({ b3 }, multi), undefined, `${name} (b3multi)`);
  }
  assert.equal(extract({ b3: 7 }), undefined);
  assert.equal(extract({ b3: [`${TRACE_ID}-${SPAN_ID}-1`, `${TRACE_ID}-${PARENT_ID}-1`] }), undefined, 'disagreeing copies');
});

test('multi header: sampled, legacy true/false, flags, 64-bit ids', () => {
  const base = { 'x-b3-traceid': TRACE_ID, 'x-b3-spanid': SPAN_ID, 'x-b3-parentspanid': PARENT_ID };
  assert.deepEqual(extract({ ...base, 'x-b3-sampled': '1' }, multi), remote(1));
  assert.deepEqual(extract({ ...base, 'x-b3-sampled': '0' }, multi), remote(0));
  assert.deepEqual(extract({ ...base, 'x-b3-sampled': 'true' }, multi), remote(1));
  assert.deepEqual(extract({ ...base, 'x-b3-sampled': 'false' }, multi), remote(0));
  assert.deepEqual(extract({ ...base, 'x-b3-sampled': 'yes' }, multi), remote(0), 'unknown value: deferred');
  assert.deepEqual(extract(base, multi), remote(0));
  const debug = extractCtx({ ...base, 'x-b3-flags': '1', 'x-b3-sampled': '0' }, multi);
  assert.deepEqual(api.trace.getSpanContext(debug), remote(1), 'debug wins over sampled=0');
  assert.equal(debug.getValue(B3_DEBUG_FLAG_KEY), 'd');
  assert.deepEqual(
    extract({ 'x-b3-traceid': TRACE_ID_64, 'x-b3-spanid': SPAN_ID, 'x-b3-sampled': '1' }, multi),
    remote(1, '0000000000000000' + TRACE_ID_64),
  );
});

test('malformed multi headers are ignored', () => {
  const ok = { 'x-b3-traceid': TRACE_ID, 'x-b3-spanid': SPAN_ID, 'x-b3-sampled': '1' };
  for (const bad of [
    { 'x-b3-traceid': undefined },
    { 'x-b3-spanid': undefined },
    { 'x-b3-traceid': TRACE_ID.toUpperCase() },
    { 'x-b3-traceid': '0'.repeat(32) },
    { 'x-b3-spanid': '0'.repeat(16) },
    { 'x-b3-spanid': SPAN_ID + '0' },
  ]) {
    assert.equal(extract({ ...ok, ...bad }, multi), undefined, JSON.stringify(bad));
  }
});

test('both propagators extract both formats; the single header wins', () => {
  for (const propagator of [single, multi]) {
    assert.deepEqual(extract({ b3: `${TRACE_ID}-${SPAN_ID}-1` }, propagator), remote(1));
    assert.deepEqual(extract({ 'x-b3-traceid': TRACE_ID, 'x-b3-spanid': SPAN_ID, 'x-b3-sampled': '1' }, propagator), remote(1));
    const both = {
      b3: `${TRACE_ID}-${SPAN_ID}-1`,
      'x-b3-traceid': 'a'.repeat(32),
      'x-b3-spanid': 'b'.repeat(16),
      'x-b3-sampled': '0',
    };
    assert.deepEqual(extract(both, propagator), remote(1));
    // An unparsable single header falls back to the multi headers.
    assert.equal(extract({ ...both, b3: 'garbage' }, propagator).traceId, 'a'.repeat(32));
  }
});

test('inject: single writes b3, multi writes X-B3-TraceId / SpanId / Sampled', () => {
  const sampled = api.trace.setSpanContext(api.ROOT_CONTEXT, remote(1));
  const unsampled = api.trace.setSpanContext(api.ROOT_CONTEXT, remote(0));
  assert.deepEqual(inject(sampled, single), { b3: `${TRACE_ID}-${SPAN_ID}-1` });
  assert.deepEqual(inject(unsampled, single), { b3: `${TRACE_ID}-${SPAN_ID}-0` });
  assert.deepEqual(inject(sampled, multi), { 'x-b3-traceid': TRACE_ID, 'x-b3-spanid': SPAN_ID, 'x-b3-sampled': '1' });
  assert.deepEqual(inject(unsampled, multi), { 'x-b3-traceid': TRACE_ID, 'x-b3-spanid': SPAN_ID, 'x-b3-sampled': '0' });
});

test('inject writes nothing for an invalid context or under suppressed tracing', () => {
  const invalid = api.trace.setSpanContext(api.ROOT_CONTEXT, { traceId: '0'.repeat(32), spanId: SPAN_ID, traceFlags: 1 });
  const suppressed = core.suppressTracing(api.trace.setSpanContext(api.ROOT_CONTEXT, remote(1)));
  for (const propagator of [single, multi]) {
    assert.deepEqual(inject(api.ROOT_CONTEXT, propagator), {});
    assert.deepEqual(inject(invalid, propagator), {});
    assert.deepEqual(inject(suppressed, propagator), {});
  }
});

test('round trips, including across formats and from 64-bit ids', () => {
  for (const from of [single, multi]) {
    for (const to of [single, multi]) {
      const ctx = extractCtx({ b3: `${TRACE_ID_64}-${SPAN_ID}-1` });
      const back = extract(inject(ctx, from), to);
      assert.deepEqual(back, remote(1, '0000000000000000' + TRACE_ID_64));
    }
  }
});

test('fields', () => {
  assert.deepEqual(single.fields(), ['b3']);
  assert.deepEqual(multi.fields(), ['x-b3-traceid', 'x-b3-spanid', 'x-b3-flags', 'x-b3-sampled', 'x-b3-parentspanid']);
});
