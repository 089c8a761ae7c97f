// W3C Baggage: https://www.w3.org/TR/baggage/ (grammar, percent-encoding, limits).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const api = require('@opentelemetry/api');
const core = require('@opentelemetry/core');
const { W3CBaggagePropagator } = require('../../dist/sdk/propagators/baggage.js');

const ours = new W3CBaggagePropagator();
const theirs = new core.W3CBaggagePropagator();

function extract(header, propagator = ours) {
  const headers = header === undefined ? {} : { baggage: header };
  return api.propagation.getBaggage(propagator.extract(api.ROOT_CONTEXT, headers, api.defaultTextMapGetter));
}
/** { key: value } or { key: [value, metadata] } for easy comparison. */
function entries(baggage) {
  if (!baggage) return undefined;
  const out = {};
  for (const [k, e] of baggage.getAllEntries()) out[k] = e.metadata ? [e.value, e.metadata.toString()] : e.value;
  return out;
}
function inject(record, propagator = ours, ctx = api.ROOT_CONTEXT) {
  const carrier = {};
  propagator.inject(api.propagation.setBaggage(ctx, api.propagation.createBaggage(record)), carrier, api.defaultTextMapSetter);
  return carrier.baggage;
}

test('valid members, with OWS around separators', () => {
  assert.deepEqual(entries(extract('key1=value1,key2=value2')), { key1: 'value1', key2: 'value2' });
  assert.deepEqual(entries(extract(' key1 = value1 ,\tkey2\t=\tvalue2 ')), { key1: 'value1', key2: 'value2' });
  assert.deepEqual(entries(extract("!#$&'*+-.^_`|~AZaz09=v")), { "!#$&'*+-.^_`|~AZaz09": 'v' });
  // value = *baggage-octet: empty is allowed by the grammar.
  assert.deepEqual(entries(extract('k=')), { k: '' });
});

test('percent-encoded values are decoded as UTF-8; keys are taken as they are', () => {
  assert.deepEqual(entries(extract('user=J%C3%BCrgen%20M%C3%BCller,sym=%2C%3B%3D%25')), {
    user: 'Jürgen Müller',
    sym: ',;=%',
  });
  // Not UTF-8: the replacement character, as the spec requires (decodeURIComponent would throw).
  assert.deepEqual(entries(extract('bad=%FFok,cut=%E2%82')), { bad: '\uFFFDok', cut: '\uFFFD' });
  // A "%" without two hex digits is kept as it is.
  assert.deepEqual(entries(extract('pct=100%,half=%4')), { pct: '100%', half: '%4' });
  assert.deepEqual(entries(extract('a%20b=1')), { 'a%20b': '1' });
});

test('properties are kept as metadata; the empty ones tolerated on the way in are not sent on', () => {
  assert.deepEqual(entries(extract('k=v;prop1;prop2=x,other=1')), { k: ['v', 'prop1;prop2=x'], other: '1' });
  assert.deepEqual(entries(extract('k=v ; p = 1 ')), { k: ['v', 'p = 1'] });
  assert.deepEqual(entries(extract('k=v;')), { k: 'v' });
  assert.deepEqual(entries(extract('k=v;;p ;\t; q=1;')), { k: ['v', 'p;q=1'] });
  // The grammar has no empty property: `k=v;` or `k=v;;p` is never sent.
  assert.equal(inject({ k: { value: 'v', metadata: api.baggageEntryMetadataFromString(' ; ;p;') } }), 'k=v;p');
  assert.equal(inject({ k: { value: 'v', metadata: api.baggageEntryMetadataFromString(' ') } }), 'k=v');
});

test('an invalid member is skipped, the others kept', () => {
  const bad = [
    'novalue',
    '=v',
    'bad key=v',
    'k=v v',
    'k="quoted"',
    'k=back\\slash',
    'k=caf\u00e9',
    'k=v;bad prop',
    'k=v;p=a b',
    'k\u00e9=v',
  ];
  for (const member of bad) {
    assert.deepEqual(entries(extract(`first=1,${member},last=2`)), { first: '1', last: '2' }, member);
    assert.equal(extract(member), undefined, `${member} alone gives no baggage`);
  }
  assert.deepEqual(entries(extract(',,a=1,, ,b=2,')), { a: '1', b: '2' });
  assert.equal(extract(''), undefined);
  assert.equal(extract(undefined), undefined);
  assert.equal(extract(42), undefined);
});

test('several baggage headers are one list; a repeated key: the last wins', () => {
  assert.deepEqual(entries(extract(['a=1,b=2', 'c=3'])), { a: '1', b: '2', c: '3' });
  assert.deepEqual(entries(extract(['a=1', 'a=2'])), { a: '2' });
  // Keys that name Object.prototype members stay ordinary keys.
  const odd = extract('__proto__=x,constructor=y');
  assert.equal(odd.getEntry('__proto__')?.value, 'x');
  assert.equal(odd.getEntry('constructor')?.value, 'y');
  assert.equal(odd.getAllEntries().length, 2);
});

test('extract limits: 180 members, 8192 bytes in all, no limit per member', () => {
  const many = Array.from({ length: 200 }, (_, i) => `k${i}=v`).join(',');
  const got = entries(extract(many));
  assert.equal(Object.keys(got).length, 180);
  assert.equal(got.k179, 'v');
  assert.equal(got.k180, undefined);

  // Within 64 members and 8192 bytes every member MUST go on, however large one of them is.
  const big = 'x'.repeat(5000);
  assert.deepEqual(entries(extract(`a=1,big=${big},b=2`)), { a: '1', big, b: '2' });
  assert.deepEqual(entries(extract(`a=1,big=${'x'.repeat(8190)},b=2`)), { a: '1', b: '2' }, 'one that cannot fit is skipped');

  const chunk = 'x'.repeat(3000);
  const four = entries(extract([`a=${chunk}`, `b=${chunk}`, `c=${chunk}`, 'd=small']));
  assert.deepEqual(Object.keys(four), ['a', 'b', 'd'], 'the third would pass 8192 bytes; the fourth still fits');
  // Bytes are counted as the member will be sent: without OWS, the value re-encoded.
  const spaced = Array.from({ length: 60 }, (_, i) => `k${i}${' '.repeat(100)}=${' '.repeat(100)}%41`).join(',');
  assert.ok(spaced.length > 8192);
  assert.equal(Object.keys(entries(extract(spaced))).length, 60);
});

test('inject percent-encodes values and keeps metadata', () => {
  assert.equal(inject({ user: { value: 'Jürgen Müller' }, sym: { value: ',;=%"\\' } }), 'user=J%C3%BCrgen%20M%C3%BCller,sym=%2C%3B%3D%25%22%5C');
  assert.equal(
    inject({ k: { value: 'v', metadata: api.baggageEntryMetadataFromString('prop1;p2=x') } }),
    'k=v;prop1;p2=x',
  );
});

test('inject skips what cannot be sent: non-token keys, lone surrogates, bad metadata', () => {
  assert.equal(
    inject({
      'bad key': { value: 'v' },
      ok: { value: 'v' },
      surrogate: { value: '\uD800' },
      meta: { value: 'v', metadata: api.baggageEntryMetadataFromString('a,b') },
    }),
    'ok=v',
  );
  assert.equal(inject({}), undefined);
  assert.equal(inject({ 'bad key': { value: 'v' } }), undefined);
});

test('inject limits: members dropped whole, never cut', () => {
  const record = {};
  for (let i = 0; i < 200; i++) record[`k${i}`] = { value: 'v' };
  assert.equal(inject(record).split(',').length, 180);

  const chunk = 'x'.repeat(3000);
  const header = inject({ a: { value: chunk }, b: { value: chunk }, c: { value: chunk }, d: { value: 'small' } });
  assert.ok(header.length <= 8192);
  assert.equal(header, `a=${chunk},b=${chunk},d=small`);
  assert.equal(inject({ big: { value: 'x'.repeat(5000) }, s: { value: '1' } }), `big=${'x'.repeat(5000)},s=1`);
  assert.equal(inject({ big: { value: 'x'.repeat(8189) }, s: { value: '1' } }), 's=1');
});

test('inject writes nothing without baggage or under suppressed tracing', () => {
  const carrier = {};
  ours.inject(api.ROOT_CONTEXT, carrier, api.defaultTextMapSetter);
  assert.deepEqual(carrier, {});
  assert.equal(inject({ a: { value: '1' } }, ours, core.suppressTracing(api.ROOT_CONTEXT)), undefined);
});

test('round trip inject -> extract', () => {
  const record = {
    plain: { value: 'v' },
    unicode: { value: 'Ünïcødé ✓ 🎉' },
    reserved: { value: ' ,;=%"\\' },
    meta: { value: 'm', metadata: api.baggageEntryMetadataFromString('p1;p2=v2') },
  };
  assert.deepEqual(entries(extract(inject(record))), entries(api.propagation.createBaggage(record)));
});

test('cross-check with @opentelemetry/core on valid inputs', () => {
  for (const header of [
    'key1=value1,key2=value2',
    ' a = 1 , b=2 ',
    'user=J%C3%BCrgen%20M%C3%BCller,x=%2C',
    'k=v;prop1;prop2=x,other=1',
    ['a=1,b=2', 'c=3'],
  ]) {
    assert.deepEqual(entries(extract(header)), entries(extract(header, theirs)), JSON.stringify(header));
  }
  const record = { a: { value: 'hello world' }, b: { value: 'ü,;' }, c: { value: 'x', metadata: api.baggageEntryMetadataFromString('p') } };
  assert.equal(inject(record), inject(record, theirs));
  assert.deepEqual(entries(extract(inject(record, theirs))), entries(extract(inject(record), theirs)));
});

test('fields', () => {
  assert.deepEqual(ours.fields(), ['baggage']);
});
