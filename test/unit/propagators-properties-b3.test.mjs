// Property tests (#22) for Zipkin B3, single (`b3`) and multi (`X-B3-*`) headers: random and
// adversarial values against an oracle written from https://github.com/openzipkin/b3-propagation
// (lower-hex ids, 16 or 32 for the trace id, sampling state 0 / 1 / d), round trips between the
// two formats, and megabyte values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { FC, anyText, damaged, dash, idField, nonZeroHex, oddChar, padding, timeMs, trimOws } from '../helpers/header-arbitraries.mjs';

const require = createRequire(import.meta.url);
const api = require('@opentelemetry/api');
const { B3SinglePropagator, B3MultiPropagator, B3_DEBUG_FLAG_KEY } = require('../../dist/sdk/propagators/b3.js');

const single = new B3SinglePropagator();
const multi = new B3MultiPropagator();

/** What extract gave, as { traceId, spanId, sampled, debug }, or undefined for no context. */
function extract(headers, propagator = single) {
  const ctx = propagator.extract(api.ROOT_CONTEXT, headers, api.defaultTextMapGetter);
  const sc = api.trace.getSpanContext(ctx);
  if (!sc) return undefined;
  assert.match(sc.traceId, /^[0-9a-f]{32}$/);
  assert.doesNotMatch(sc.traceId, /^0+$/);
  assert.match(sc.spanId, /^[0-9a-f]{16}$/);
  assert.doesNotMatch(sc.spanId, /^0+$/);
  assert.equal(sc.isRemote, true);
  assert.ok(sc.traceFlags === 0 || sc.traceFlags === 1, `flags ${sc.traceFlags}`);
  return { traceId: sc.traceId, spanId: sc.spanId, sampled: sc.traceFlags === 1, debug: ctx.getValue(B3_DEBUG_FLAG_KEY) === 'd' };
}
function inject(found, propagator) {
  let ctx = api.trace.setSpanContext(api.ROOT_CONTEXT, {
    traceId: found.traceId, spanId: found.spanId, traceFlags: found.sampled ? 1 : 0, isRemote: true,
  });
  if (found.debug) ctx = ctx.setValue(B3_DEBUG_FLAG_KEY, 'd');
  const carrier = {};
  propagator.inject(ctx, carrier, api.defaultTextMapSetter);
  return carrier;
}

/* ---------------------------------------- the oracle (the spec) ---------------------------------------- */

const isZero = (id) => /^0+$/.test(id);
const pad = (traceId) => traceId.padStart(32, '0');

// {TraceId}-{SpanId}[-{SamplingState}[-{ParentSpanId}]]; a sampling state alone carries no ids,
// so nothing to continue.
const SINGLE = /^([0-9a-f]{32}|[0-9a-f]{16})-([0-9a-f]{16})(?:-([01d])(?:-([0-9a-f]{16}))?)?$/;

function expectedSingle(header) {
  if (typeof header !== 'string') return undefined;
  const m = SINGLE.exec(trimOws(header));
  if (!m) return undefined;
  const [, traceId, spanId, state, parentId] = m;
  if (isZero(traceId) || isZero(spanId) || (parentId !== undefined && isZero(parentId))) return undefined;
  // Absent state is "defer", which W3C flags can only say as "not sampled"; debug implies sampled.
  return { traceId: pad(traceId), spanId, sampled: state === '1' || state === 'd', debug: state === 'd' };
}

function expectedMulti(headers) {
  const traceId = headers['x-b3-traceid'];
  const spanId = headers['x-b3-spanid'];
  if (typeof traceId !== 'string' || typeof spanId !== 'string') return undefined;
  const t = trimOws(traceId);
  const s = trimOws(spanId);
  if (!/^([0-9a-f]{16}){1,2}$/.test(t) || isZero(t) || !/^[0-9a-f]{16}$/.test(s) || isZero(s)) return undefined;
  const debug = typeof headers['x-b3-flags'] === 'string' && trimOws(headers['x-b3-flags']) === '1';
  // 1, or the legacy `true`; anything else reads as absent (defer).
  const sampled = typeof headers['x-b3-sampled'] === 'string' && ['1', 'true'].includes(trimOws(headers['x-b3-sampled']));
  return { traceId: pad(t), spanId: s, sampled: debug || sampled, debug };
}

/** Both propagators read both formats; the single header wins when it parses. */
const expected = (headers) => expectedSingle(headers.b3) ?? expectedMulti(headers);

/* ------------------------------------------ generators ------------------------------------------ */

const traceIdField = fc.oneof(idField(32), idField(16));
const state = fc.oneof({ weight: 6, arbitrary: fc.constantFrom('0', '1', 'd') }, { weight: 1, arbitrary: fc.constantFrom('D', '2', 'true', '01', '', ' 1') }, { weight: 1, arbitrary: oddChar });
const singleHeader = fc
  .tuple(
    padding, traceIdField, dash, idField(16),
    fc.option(fc.tuple(dash, state, fc.option(fc.tuple(dash, idField(16)).map((p) => p.join('')), { nil: '' })).map((p) => p.join('')), { nil: '' }),
    fc.oneof({ weight: 8, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.tuple(fc.constantFrom('-', ''), anyText(8)).map((p) => p.join('')) }),
    padding,
  )
  .map((p) => p.join(''));
const validSingle = fc
  .tuple(fc.oneof(nonZeroHex(32), nonZeroHex(16)), nonZeroHex(16), fc.constantFrom('', '-0', '-1', '-d'), fc.option(nonZeroHex(16), { nil: undefined }))
  .map(([t, s, st, p]) => `${t}-${s}${st}${st && p ? '-' + p : ''}`);
const anySingle = fc.oneof(
  { weight: 6, arbitrary: singleHeader },
  { weight: 2, arbitrary: damaged(validSingle) },
  { weight: 1, arbitrary: fc.constantFrom('0', '1', 'd', '-', '', '--') },
  { weight: 1, arbitrary: anyText(60) },
);
const around = (arb) => fc.tuple(padding, arb, padding).map((p) => p.join(''));
const multiHeaders = fc.record(
  {
    'x-b3-traceid': around(traceIdField),
    'x-b3-spanid': around(idField(16)),
    'x-b3-sampled': around(fc.oneof(fc.constantFrom('0', '1', 'true', 'false', 'TRUE', 'd', ''), oddChar)),
    'x-b3-flags': around(fc.oneof(fc.constantFrom('1', '0', '', '01'), oddChar)),
    'x-b3-parentspanid': around(idField(16)),
    b3: anySingle,
  },
  { requiredKeys: [] },
);
const validContext = fc.record({
  traceId: nonZeroHex(32),
  spanId: nonZeroHex(16),
  sampled: fc.boolean(),
  debug: fc.boolean(),
}).map((c) => ({ ...c, sampled: c.sampled || c.debug }));

/* ------------------------------------------- properties ------------------------------------------- */

test('b3 single: any header gives no context or exactly the one the spec describes', () => {
  fc.assert(
    fc.property(anySingle, (b3) => {
      for (const propagator of [single, multi]) assert.deepEqual(extract({ b3 }, propagator), expectedSingle(b3));
    }),
    FC,
  );
});

test('b3 multi (and both formats at once): any headers give no context or exactly the one the spec describes', () => {
  fc.assert(
    fc.property(multiHeaders, (headers) => {
      for (const propagator of [single, multi]) assert.deepEqual(extract(headers, propagator), expected(headers));
    }),
    FC,
  );
});

test('round trips: what either format injects, either format extracts back the same', () => {
  fc.assert(
    fc.property(validContext, (found) => {
      const b3 = inject(found, single);
      assert.match(b3.b3, SINGLE);
      const x = inject(found, multi);
      // Debug implies sampled, and the spec says not to send X-B3-Sampled alongside X-B3-Flags.
      assert.deepEqual(Object.keys(x).sort(), found.debug ? ['x-b3-flags', 'x-b3-spanid', 'x-b3-traceid'] : ['x-b3-sampled', 'x-b3-spanid', 'x-b3-traceid']);
      for (const carrier of [b3, x]) {
        for (const propagator of [single, multi]) assert.deepEqual(extract(carrier, propagator), found);
      }
    }),
    FC,
  );
});

test('a 64-bit trace id goes on as the same id, left-padded to 128 bits', () => {
  fc.assert(
    fc.property(nonZeroHex(16), nonZeroHex(16), (traceId64, spanId) => {
      const found = extract({ b3: `${traceId64}-${spanId}-1` });
      assert.equal(found.traceId, '0'.repeat(16) + traceId64);
      assert.equal(inject(found, single).b3, `${'0'.repeat(16)}${traceId64}-${spanId}-1`);
    }),
    FC,
  );
});

test('megabyte b3 values are refused in linear time, never thrown', () => {
  const MB = 1 << 20;
  const id = `${'a'.repeat(32)}-${'b'.repeat(16)}`;
  const headers = {
    '1 MB single header': { b3: `${id}-1-${'c'.repeat(MB)}` },
    '1 MB of OWS in the single header': { b3: `${' '.repeat(MB)}x${' '.repeat(MB)}` },
    '1 MB of dashes': { b3: '-'.repeat(MB) },
    '1 MB trace id': { 'x-b3-traceid': 'a'.repeat(MB), 'x-b3-spanid': 'b'.repeat(16) },
    '1 MB sampled': { 'x-b3-traceid': 'a'.repeat(32), 'x-b3-spanid': 'b'.repeat(16), 'x-b3-sampled': '1'.repeat(MB) },
  };
  for (const [name, carrier] of Object.entries(headers)) {
    for (const propagator of [single, multi]) {
      let found;
      const ms = timeMs(() => { found = extract(carrier, propagator); });
      assert.deepEqual(found, expected(carrier), name);
      assert.ok(ms < 500, `${name}: ${ms.toFixed(0)} ms`);
    }
  }
});
