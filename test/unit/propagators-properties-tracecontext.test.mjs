// Property tests (#22) for traceparent / tracestate: random and adversarial headers against an
// oracle written straight from the W3C Trace Context grammar (regexes over small inputs), and
// the invariants that hold for any input, huge ones included. The key grammar is Level 2's, which
// the W3C harness checks (see src/sdk/propagators/tracecontext.ts): `@` anywhere after the first
// character, and a duplicated key keeps its first value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { FC, anyText, damaged, dash, idField, lowerHex, nonZeroHex, oddChar, padding, timeMs, trimOws } from '../helpers/header-arbitraries.mjs';

const require = createRequire(import.meta.url);
const api = require('@opentelemetry/api');
const { W3CTraceContextPropagator } = require('../../dist/sdk/propagators/tracecontext.js');

const propagator = new W3CTraceContextPropagator();

function extract(headers) {
  return api.trace.getSpanContext(propagator.extract(api.ROOT_CONTEXT, headers, api.defaultTextMapGetter));
}
function inject(spanContext) {
  const carrier = {};
  propagator.inject(api.trace.setSpanContext(api.ROOT_CONTEXT, spanContext), carrier, api.defaultTextMapSetter);
  return carrier;
}
const plain = (sc) => sc && { traceId: sc.traceId, spanId: sc.spanId, traceFlags: sc.traceFlags, isRemote: sc.isRemote };

/* ------------------------------- the oracle (the spec's grammar) ------------------------------- */

// version "-" trace-id "-" parent-id "-" trace-flags, then (only for a version above 00) more
// fields after a dash. Versioning rules: parse the first four fields of a higher version.
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-[\s\S]*)?$/;

function expectedSpanContext(header) {
  if (typeof header !== 'string') return undefined;
  const m = TRACEPARENT.exec(trimOws(header));
  if (!m) return undefined;
  const [, version, traceId, spanId, flags, more] = m;
  if (version === 'ff') return undefined;
  if (version === '00' && more !== undefined) return undefined;
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  // Sampled and random are the flags this version defines; the rest are set to zero.
  return { traceId, spanId, traceFlags: parseInt(flags, 16) & 0x03, isRemote: true };
}

const KEY = /^[a-z0-9][a-z0-9_\-*/@]{0,255}$/;
const VALUE = /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;
const isMember = (key, value) => KEY.test(key) && VALUE.test(value);

/** The serialized tracestate we must keep, or undefined when the header is to be dropped whole. */
function expectedTracestate(headers) {
  if (headers === undefined) return undefined;
  // Several fields are one list, combined with commas (RFC 9110 §5.3).
  const list = Array.isArray(headers) ? headers.join(',') : headers;
  const members = new Map();
  let count = 0;
  for (const raw of list.split(',')) {
    const member = trimOws(raw);
    if (member === '') continue;
    const eq = member.indexOf('=');
    if (eq === -1) return undefined;
    const key = member.slice(0, eq);
    const value = member.slice(eq + 1);
    if (!isMember(key, value)) return undefined;
    count++;
    if (!members.has(key)) members.set(key, value);
  }
  if (members.size === 0 || count > 32) return undefined;
  return [...members].map(([k, v]) => `${k}=${v}`).join(',');
}

/** What any extracted context must look like, whatever came in. */
function assertValidOrNone(sc) {
  if (sc === undefined) return;
  assert.match(sc.traceId, /^[0-9a-f]{32}$/);
  assert.doesNotMatch(sc.traceId, /^0+$/);
  assert.match(sc.spanId, /^[0-9a-f]{16}$/);
  assert.doesNotMatch(sc.spanId, /^0+$/);
  assert.ok(Number.isInteger(sc.traceFlags) && sc.traceFlags >= 0 && sc.traceFlags <= 3, `flags ${sc.traceFlags}`);
  assert.equal(sc.isRemote, true);
  if (sc.traceState === undefined) return;
  const serialized = sc.traceState.serialize();
  const members = serialized.split(',');
  assert.ok(members.length >= 1 && members.length <= 32, `${members.length} tracestate members`);
  for (const member of members) {
    const eq = member.indexOf('=');
    assert.ok(isMember(member.slice(0, eq), member.slice(eq + 1)), `tracestate member ${JSON.stringify(member)}`);
  }
}

/* ------------------------------------------ generators ------------------------------------------ */

const version = fc.oneof(
  { weight: 6, arbitrary: fc.constant('00') },
  { weight: 4, arbitrary: lowerHex(2).filter((v) => v !== '00' && v !== 'ff') },
  { weight: 2, arbitrary: fc.constant('ff') },
  { weight: 2, arbitrary: fc.constantFrom('0A', 'Cc', 'FF', '0', '000', '', '0x', '+1', ' 0') },
);
const flags = fc.oneof(
  { weight: 8, arbitrary: lowerHex(2) },
  { weight: 1, arbitrary: fc.constantFrom('0A', 'F0', 'FF', '1', '001', '', '0g', ' 1', '\u0661\u0661') },
);
/** After the flags: nothing, more fields after a dash (a future version), or junk. */
const after = fc.oneof(
  { weight: 6, arbitrary: fc.constant('') },
  { weight: 3, arbitrary: anyText(30).map((s) => '-' + s) },
  { weight: 1, arbitrary: fc.tuple(oddChar, anyText(10)).map(([c, s]) => c + s) },
);
const traceparentLike = fc
  .tuple(padding, version, dash, idField(32), dash, idField(16), dash, flags, after, padding)
  .map((parts) => parts.join(''));
const validTraceparent = fc
  .tuple(nonZeroHex(32), nonZeroHex(16), fc.constantFrom('00', '01', '02', '03'))
  .map(([t, s, f]) => `00-${t}-${s}-${f}`);
const anyTraceparent = fc.oneof(
  { weight: 6, arbitrary: traceparentLike },
  { weight: 2, arbitrary: damaged(validTraceparent) },
  { weight: 1, arbitrary: anyText(80) },
);

const KEY_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789_-*/';
const keyChars = (maxLength) => fc.string({ unit: fc.constantFrom(...KEY_CHARS), maxLength });
const lcalpha = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz');
const lcalphaOrDigit = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789');
const tracestateKey = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(lcalpha, keyChars(12)).map(([a, b]) => a + b) },
  { weight: 3, arbitrary: fc.tuple(lcalphaOrDigit, keyChars(8), lcalpha, keyChars(5)).map(([a, b, c, d]) => `${a}${b}@${c}${d}`) },
  // A small pool, so that duplicated keys are frequent.
  { weight: 3, arbitrary: fc.constantFrom('congo', 'rojo', 'a', 'a@b', 'x1') },
  // The length limits, each side of them.
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'k'.repeat(256), 'k'.repeat(257), `${'t'.repeat(241)}@${'v'.repeat(14)}`, `${'t'.repeat(242)}@v`, `t@${'v'.repeat(15)}`,
    ),
  },
  { weight: 2, arbitrary: fc.constantFrom('FOO', '1foo', '@foo', 'foo@', 'foo@@bar', 'foo@bar@baz', 'foo.bar', '', 'foo ', ' foo', 'f\u00f6o') },
  { weight: 1, arbitrary: fc.tuple(lcalpha, keyChars(6), oddChar).map(([a, b, c]) => a + b + c) },
);
const VALUE_CHARS = [];
for (let c = 0x20; c <= 0x7e; c++) if (c !== 0x2c && c !== 0x3d) VALUE_CHARS.push(String.fromCharCode(c));
const tracestateValue = fc.oneof(
  { weight: 8, arbitrary: fc.string({ unit: fc.constantFrom(...VALUE_CHARS), minLength: 1, maxLength: 16 }) },
  { weight: 1, arbitrary: fc.constantFrom('v'.repeat(256), 'v'.repeat(257), ' leading', 'trailing ', ' ', '') },
  { weight: 1, arbitrary: fc.tuple(fc.string({ unit: fc.constantFrom(...VALUE_CHARS), maxLength: 6 }), oddChar).map(([v, c]) => v + c + 'z') },
);
const tracestateMember = fc.oneof(
  { weight: 10, arbitrary: fc.tuple(tracestateKey, tracestateValue).map(([k, v]) => `${k}=${v}`) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '\t', 'novalue', 'k =v', 'k= v', 'a=b=c') },
);
const listSeparator = fc.oneof({ weight: 5, arbitrary: fc.constant(',') }, { weight: 1, arbitrary: fc.constantFrom(' ,', ', ', '\t,\t', ',,') });
/** Valid members only, around the 32-member limit. */
const nearTheLimit = fc
  .uniqueArray(fc.tuple(lcalpha, keyChars(8)).map(([a, b]) => a + b), { minLength: 28, maxLength: 36 })
  .chain((keys) => fc.array(tracestateValue.filter((v) => VALUE.test(v)), { minLength: keys.length, maxLength: keys.length })
    .map((values) => keys.map((k, i) => `${k}=${values[i]}`)));
/** A tracestate as one header or as several (split between members), 0 to 40 members. */
const tracestateHeaders = fc
  .tuple(
    fc.oneof({ weight: 4, arbitrary: fc.array(tracestateMember, { maxLength: 40 }) }, { weight: 1, arbitrary: nearTheLimit }),
    fc.array(listSeparator, { minLength: 40, maxLength: 40 }),
    fc.nat({ max: 3 }),
  )
  .map(([members, separators, splits]) => {
    if (splits === 0 || members.length < 2) return members.map((m, i) => (i === 0 ? '' : separators[i]) + m).join('');
    const step = Math.ceil(members.length / (splits + 1));
    const headers = [];
    for (let i = 0; i < members.length; i += step) headers.push(members.slice(i, i + step).join(','));
    return headers;
  });

/* ------------------------------------------- properties ------------------------------------------- */

test('traceparent: any header gives no context or exactly the one the grammar describes', () => {
  fc.assert(
    fc.property(anyTraceparent, (header) => {
      const sc = extract({ traceparent: header });
      assertValidOrNone(sc);
      assert.deepEqual(plain(sc), expectedSpanContext(header));
    }),
    FC,
  );
});

test('traceparent: a valid version-00 header round-trips through extract → inject exactly', () => {
  fc.assert(
    fc.property(validTraceparent, fc.option(tracestateHeaders, { nil: undefined }), (traceparent, tracestate) => {
      const sc = extract({ traceparent, tracestate });
      assert.ok(sc, traceparent);
      const out = inject(sc);
      assert.equal(out.traceparent, traceparent);
      // tracestate goes out as it came in, minus OWS and empty members; an invalid one not at all.
      assert.equal(out.tracestate, expectedTracestate(tracestate));
    }),
    FC,
  );
});

test('traceparent: a well-formed future version is read for its first four fields and sent on as 00', () => {
  const futureVersion = lowerHex(2).filter((v) => v !== '00' && v !== 'ff');
  const more = fc.oneof(fc.constant(''), anyText(40).map((s) => '-' + s));
  fc.assert(
    fc.property(futureVersion, nonZeroHex(32), nonZeroHex(16), lowerHex(2), more, (v, traceId, spanId, f, tail) => {
      const sc = extract({ traceparent: `${v}-${traceId}-${spanId}-${f}${tail}` });
      assert.deepEqual(plain(sc), { traceId, spanId, traceFlags: parseInt(f, 16) & 0x03, isRemote: true });
      assert.equal(inject(sc).traceparent, `00-${traceId}-${spanId}-0${parseInt(f, 16) & 0x03}`);
    }),
    FC,
  );
});

test('traceparent: copies of a header are used only when they all agree', () => {
  fc.assert(
    fc.property(fc.array(fc.oneof(validTraceparent, anyTraceparent), { minLength: 1, maxLength: 4 }), (copies) => {
      const sc = extract({ traceparent: copies });
      assertValidOrNone(sc);
      const expected = copies.every((c) => c === copies[0]) ? expectedSpanContext(copies[0]) : undefined;
      assert.deepEqual(plain(sc), expected);
    }),
    FC,
  );
});

test('tracestate: kept when every member obeys the grammar and there are ≤ 32 (a duplicated key keeps its first value), else dropped whole', () => {
  fc.assert(
    fc.property(validTraceparent, tracestateHeaders, (traceparent, tracestate) => {
      const sc = extract({ traceparent, tracestate });
      assertValidOrNone(sc);
      // The tracestate never decides whether the traceparent is used.
      assert.equal(sc.traceId, traceparent.slice(3, 35));
      assert.equal(sc.traceState?.serialize(), expectedTracestate(tracestate));
    }),
    FC,
  );
});

test('tracestate is not even read when the traceparent is invalid', () => {
  fc.assert(
    fc.property(anyTraceparent.filter((h) => expectedSpanContext(h) === undefined), tracestateHeaders, (traceparent, tracestate) => {
      assert.equal(extract({ traceparent, tracestate }), undefined);
    }),
    FC,
  );
});

test('megabyte headers are refused or read in linear time, never thrown', () => {
  const MB = 1 << 20;
  const id = `${'a'.repeat(32)}-${'b'.repeat(16)}`;
  const cases = {
    'version 00 + 1 MB': `00-${id}-01${'x'.repeat(MB)}`,
    'future version, 1 MB of further fields': `cc-${id}-01-${'x'.repeat(MB)}`,
    '1 MB of OWS around a valid header': `${' '.repeat(MB / 2)}00-${id}-01${'\t'.repeat(MB / 2)}`,
    '1 MB of dashes': '-'.repeat(MB),
    '1 MB of hex': 'a'.repeat(MB),
  };
  const tracestates = {
    '1 MB of commas': ','.repeat(MB),
    '1 MB of OWS': ' '.repeat(MB),
    '1 MB key': 'k'.repeat(MB) + '=v',
    '1 MB value': 'k=' + 'v'.repeat(MB),
    '200 000 members': Array.from({ length: 200_000 }, (_, i) => `k${i}=v`).join(','),
    '1 MB without "="': 'k,'.repeat(MB / 2),
  };
  for (const [name, traceparent] of Object.entries(cases)) {
    let sc;
    const ms = timeMs(() => { sc = extract({ traceparent }); });
    assertValidOrNone(sc);
    assert.deepEqual(plain(sc), expectedSpanContext(traceparent), name);
    // Linear work on 1 MB takes a few ms; a quadratic scan takes seconds. The margin is for a
    // loaded machine.
    assert.ok(ms < 500, `${name}: ${ms.toFixed(0)} ms`);
  }
  for (const [name, tracestate] of Object.entries(tracestates)) {
    let sc;
    const ms = timeMs(() => { sc = extract({ traceparent: `00-${id}-01`, tracestate }); });
    assert.equal(sc.traceState, undefined, name);
    assert.ok(ms < 500, `${name}: ${ms.toFixed(0)} ms`);
  }
});
