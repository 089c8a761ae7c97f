// W3C Trace Context: vectors from the spec and the w3c/trace-context test suite (test/test.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const api = require('@opentelemetry/api');
const core = require('@opentelemetry/core');
const { W3CTraceContextPropagator } = require('../../dist/sdk/propagators/tracecontext.js');

const ours = new W3CTraceContextPropagator();
const theirs = new core.W3CTraceContextPropagator();
const TRACE_ID = '12345678901234567890123456789012';
const SPAN_ID = '1234567890123456';
const VALID = `00-${TRACE_ID}-${SPAN_ID}-01`;

function extract(headers, propagator = ours) {
  return api.trace.getSpanContext(propagator.extract(api.ROOT_CONTEXT, headers, api.defaultTextMapGetter));
}
function inject(spanContext, propagator = ours, ctx = api.ROOT_CONTEXT) {
  const carrier = {};
  propagator.inject(api.trace.setSpanContext(ctx, spanContext), carrier, api.defaultTextMapSetter);
  return carrier;
}

test('a valid version-00 traceparent gives a remote span context', () => {
  assert.deepEqual(extract({ traceparent: VALID }), {
    traceId: TRACE_ID,
    spanId: SPAN_ID,
    traceFlags: 1,
    isRemote: true,
  });
  assert.equal(extract({ traceparent: `00-${TRACE_ID}-${SPAN_ID}-00` }).traceFlags, 0);
});

test('malformed traceparents are ignored, never thrown', () => {
  const invalid = {
    'version ff': `ff-${TRACE_ID}-${SPAN_ID}-01`,
    'version illegal chars': `.0-${TRACE_ID}-${SPAN_ID}-01`,
    'version too long': `000-${TRACE_ID}-${SPAN_ID}-01`,
    'version too short': `0-${TRACE_ID}-${SPAN_ID}-01`,
    'version upper case': `0A-${TRACE_ID}-${SPAN_ID}-01`,
    'version 00 with trailing char': `${VALID}.`,
    'version 00 with extra field': `${VALID}-what-the-future-will-be-like`,
    'future version, no dash before extra': `cc-${TRACE_ID}-${SPAN_ID}-01.what-the-future-will-be-like`,
    'trace id all zero': `00-${'0'.repeat(32)}-${SPAN_ID}-01`,
    'trace id illegal char': `00-.2345678901234567890123456789012-${SPAN_ID}-01`,
    'trace id upper case': `00-ABCDEF78901234567890123456789012-${SPAN_ID}-01`,
    'trace id too long': `00-${TRACE_ID}3-${SPAN_ID}-01`,
    'trace id too short': `00-${TRACE_ID.slice(1)}-${SPAN_ID}-01`,
    'span id all zero': `00-${TRACE_ID}-0000000000000000-01`,
    'span id illegal char': `00-${TRACE_ID}-123456789012345.-01`,
    'span id upper case': `00-${TRACE_ID}-ABCDEF7890123456-01`,
    'span id too long': `00-${TRACE_ID}-${SPAN_ID}7-01`,
    'span id too short': `00-${TRACE_ID}-${SPAN_ID.slice(1)}-01`,
    'flags illegal char': `00-${TRACE_ID}-${SPAN_ID}-0.`,
    'flags too long': `00-${TRACE_ID}-${SPAN_ID}-001`,
    'flags too short': `00-${TRACE_ID}-${SPAN_ID}-1`,
    'flags upper case': `00-${TRACE_ID}-${SPAN_ID}-0A`,
    'wrong separator': `00_${TRACE_ID}_${SPAN_ID}_01`,
    'inner whitespace': `00- ${TRACE_ID.slice(1)}-${SPAN_ID}-01`,
    'empty': '',
    'garbage': 'not a traceparent at all, really not, no, not even close....',
  };
  for (const [name, value] of Object.entries(invalid)) {
    assert.equal(extract({ traceparent: value }), undefined, name);
    assert.equal(extract({ traceparent: value, tracestate: 'foo=1' }), undefined, `${name} + tracestate`);
  }
  assert.equal(extract({ traceparent: 42 }), undefined, 'non-string header');
  assert.equal(extract({}), undefined, 'absent');
});

test('a future version may carry more fields after a dash', () => {
  assert.equal(extract({ traceparent: `cc-${TRACE_ID}-${SPAN_ID}-01` }).traceId, TRACE_ID);
  const sc = extract({ traceparent: `cc-${TRACE_ID}-${SPAN_ID}-01-what-the-future-will-be-like` });
  assert.equal(sc.traceId, TRACE_ID);
  assert.equal(sc.spanId, SPAN_ID);
});

test('OWS around the header value is allowed', () => {
  for (const value of [` ${VALID}`, `\t${VALID}`, `${VALID} `, `${VALID}\t`, `\t ${VALID} \t`]) {
    assert.equal(extract({ traceparent: value })?.traceId, TRACE_ID, JSON.stringify(value));
  }
});

test('unknown flag bits are dropped; sampled and random are kept', () => {
  assert.equal(extract({ traceparent: `00-${TRACE_ID}-${SPAN_ID}-ff` }).traceFlags, 0x03);
  assert.equal(extract({ traceparent: `00-${TRACE_ID}-${SPAN_ID}-08` }).traceFlags, 0);
  assert.equal(inject({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 0xff }).traceparent, `00-${TRACE_ID}-${SPAN_ID}-03`);
});

test('a duplicated traceparent is used only when every copy agrees', () => {
  assert.equal(extract({ traceparent: [VALID, VALID] }).traceId, TRACE_ID);
  assert.equal(extract({ traceparent: [VALID] }).traceId, TRACE_ID);
  const other = `00-${'1'.repeat(32)}-${SPAN_ID}-01`;
  assert.equal(extract({ traceparent: [VALID, other] }), undefined);
  assert.equal(extract({ traceparent: [] }), undefined);
  // Node joins duplicated unknown headers into one string: that is no longer 55 chars.
  assert.equal(extract({ traceparent: `${VALID}, ${VALID}` }), undefined);
});

test('tracestate: members, OWS and several headers combine in order', () => {
  const ts = extract({ traceparent: VALID, tracestate: 'foo=1 \t , \t bar=2, \t baz=3' }).traceState;
  assert.equal(ts.get('foo'), '1');
  assert.equal(ts.get('bar'), '2');
  assert.equal(ts.get('baz'), '3');
  assert.equal(ts.serialize(), 'foo=1,bar=2,baz=3');

  const multi = extract({ traceparent: VALID, tracestate: ['foo=1,bar=2', 'rojo=1,congo=2', '', 'baz=3'] });
  assert.equal(multi.traceState.serialize(), 'foo=1,bar=2,rojo=1,congo=2,baz=3');
  assert.equal(extract({ traceparent: VALID, tracestate: 'a=1,,b=2' }).traceState.serialize(), 'a=1,b=2');
  assert.equal(extract({ traceparent: VALID, tracestate: '' }).traceState, undefined);
});

test('tracestate: all allowed characters and the key length limits', () => {
  const key = 'abcdefghijklmnopqrstuvwxyz0123456789_-*/';
  let value = '';
  for (let c = 0x20; c <= 0x7e; c++) if (c !== 0x2c && c !== 0x3d) value += String.fromCharCode(c);
  const ts = extract({ traceparent: VALID, tracestate: `${key}=${value}` }).traceState;
  assert.equal(ts.get(key), value);
  assert.equal(extract({ traceparent: VALID, tracestate: `${key}@a-z0-9_-*/=${value}` }).traceState.get(`${key}@a-z0-9_-*/`), value);

  const ok = (tracestate) => extract({ traceparent: VALID, tracestate: ['foo=1', tracestate] }).traceState?.get('foo');
  assert.equal(ok('z'.repeat(256) + '=1'), '1');
  assert.equal(ok('z'.repeat(257) + '=1'), undefined);
  assert.equal(ok('t'.repeat(241) + '@' + 'v'.repeat(14) + '=1'), '1');
  assert.equal(ok('1tenant@vendor=1'), '1', 'a tenant id may start with a digit');
  assert.equal(ok('k=' + 'v'.repeat(256)), '1');
  assert.equal(ok('k=' + 'v'.repeat(257)), undefined);
});

test('tracestate: any malformed member drops the whole header, the traceparent stays', () => {
  const invalid = [
    'foo =1',
    'FOO=1',
    'foo.bar=1',
    '@foo=1,bar=2',
    '_foo=1',
    '-foo=1',
    '*foo=1',
    '/foo=1',
    'foo=bar=baz',
    'foo=,bar=3',
    'foo,bar=2',
    'foo=a\tb',
    'foo=caf\u00e9',
  ];
  for (const tracestate of invalid) {
    const sc = extract({ traceparent: VALID, tracestate });
    assert.equal(sc.traceId, TRACE_ID, tracestate);
    assert.equal(sc.traceState, undefined, tracestate);
  }
});

// Level 2's keys (w3c/trace-context#386), which the harness checks since #584 whatever SPEC_LEVEL:
// key = ( lcalpha / DIGIT ) 0*255( keychar ), with "@" a keychar.
test('tracestate: "@" may appear anywhere in a key but first, and a key has at most 256 chars', () => {
  const kept = (key) => extract({ traceparent: VALID, tracestate: `${key}=1,bar=2` }).traceState;
  for (const key of [
    'foo@',
    'foo@@bar',
    'foo@bar@baz',
    '1foo',
    't'.repeat(242) + '@v',
    't@' + 'v'.repeat(15),
    'a' + '@'.repeat(255),
  ]) {
    const ts = kept(key);
    assert.equal(ts?.get(key), '1', key);
    assert.equal(ts.get('bar'), '2', key);
    assert.equal(ts.serialize(), `${key}=1,bar=2`, key);
  }
  assert.equal(kept('t'.repeat(242) + '@' + 'v'.repeat(14)), undefined, '257 chars');
  assert.equal(kept('@foo'), undefined);
});

test('tracestate: a duplicated key keeps its first value; duplicates count toward the 32', () => {
  const ts = (tracestate) => extract({ traceparent: VALID, tracestate }).traceState?.serialize();
  assert.equal(ts('foo=1,foo=1'), 'foo=1');
  assert.equal(ts('foo=1,bar=2,foo=3'), 'foo=1,bar=2');
  assert.equal(ts(['foo=1', 'foo=2']), 'foo=1');
  assert.equal(ts(['foo=1', 'bar=2, foo=3']), 'foo=1,bar=2');
  const members = Array.from({ length: 31 }, (_, i) => `k${i}=${i}`);
  assert.equal(ts([...members, 'k0=again'].join(',')), members.join(','));
  assert.equal(ts([...members, 'k0=again', 'k1=again'].join(',')), undefined, '33 list-members');
});

test('tracestate: 32 members are kept, 33 drop the header', () => {
  const members = (n) => Array.from({ length: n }, (_, i) => `bar${String(i + 1).padStart(2, '0')}=${i + 1}`);
  const ts32 = extract({ traceparent: VALID, tracestate: members(32).join(',') }).traceState;
  assert.equal(ts32.serialize().split(',').length, 32);
  assert.equal(ts32.get('bar01'), '1');
  assert.equal(extract({ traceparent: VALID, tracestate: members(33).join(',') }).traceState, undefined);
  // Long headers are kept (the api's own TraceState would empty anything over 512 chars).
  const long = members(32).map((m) => m + 'x'.repeat(20)).join(',');
  assert.ok(long.length > 512);
  assert.equal(extract({ traceparent: VALID, tracestate: long }).traceState.serialize(), long);
});

test('tracestate behaves like api.createTraceState for set / unset / get', () => {
  const raw = 'a=1,b=2,c=3';
  const ourTs = extract({ traceparent: VALID, tracestate: raw }).traceState;
  const apiTs = api.createTraceState(raw);
  for (const [op, ...args] of [['set', 'b', '9'], ['set', 'new', 'x'], ['unset', 'a'], ['unset', 'missing']]) {
    assert.equal(ourTs[op](...args).serialize(), apiTs[op](...args).serialize(), `${op} ${args}`);
  }
  assert.equal(ourTs.serialize(), raw, 'immutable');
  assert.equal(ourTs.get('c'), apiTs.get('c'));
});

test('inject writes traceparent, and tracestate only when non-empty', () => {
  assert.deepEqual(inject({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1 }), { traceparent: VALID });
  assert.deepEqual(inject({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 0, traceState: api.createTraceState('') }), {
    traceparent: `00-${TRACE_ID}-${SPAN_ID}-00`,
  });
  const carrier = inject({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1, traceState: api.createTraceState('x=1,y=2') });
  assert.equal(carrier.tracestate, 'x=1,y=2');
});

test('inject writes nothing for an invalid span context or under suppressed tracing', () => {
  assert.deepEqual(inject({ traceId: '0'.repeat(32), spanId: SPAN_ID, traceFlags: 1 }), {});
  assert.deepEqual(inject({ traceId: TRACE_ID, spanId: '0'.repeat(16), traceFlags: 1 }), {});
  const carrier = {};
  ours.inject(api.ROOT_CONTEXT, carrier, api.defaultTextMapSetter);
  assert.deepEqual(carrier, {});
  assert.deepEqual(inject({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1 }, ours, core.suppressTracing(api.ROOT_CONTEXT)), {});
});

test('round trip inject -> extract', () => {
  const original = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1, traceState: api.createTraceState('k=v') };
  const back = extract(inject(original));
  assert.equal(back.traceId, original.traceId);
  assert.equal(back.spanId, original.spanId);
  assert.equal(back.traceFlags, 1);
  assert.equal(back.isRemote, true);
  assert.equal(back.traceState.serialize(), 'k=v');
});

test('cross-check with @opentelemetry/core on valid inputs', () => {
  const cases = [
    { traceparent: VALID },
    { traceparent: `00-${TRACE_ID}-${SPAN_ID}-00`, tracestate: 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7' },
    { traceparent: `cc-${TRACE_ID}-${SPAN_ID}-01-future`, tracestate: 'a@b=1 , c=2' },
    { traceparent: ` ${VALID} `, tracestate: ['x=1', 'y=2'] },
  ];
  for (const headers of cases) {
    const a = extract(headers);
    const b = extract(headers, theirs);
    assert.deepEqual(
      { ...a, traceState: a.traceState?.serialize() },
      { ...b, traceState: b.traceState?.serialize() },
      JSON.stringify(headers),
    );
    const sc = { ...a };
    assert.deepEqual(inject(sc), inject(sc, theirs), `inject ${JSON.stringify(headers)}`);
  }
  // Both read the other's output.
  assert.equal(extract(inject(extract({ traceparent: VALID }), theirs)).traceId, TRACE_ID);
});

test('fields', () => {
  assert.deepEqual(ours.fields(), ['traceparent', 'tracestate']);
});
