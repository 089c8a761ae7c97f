// Attribute validation and limits (src/sdk/attributes.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { setLimitedAttribute, setLimitedAttributes, sanitizeAttributeValue } = require('../../dist/sdk/attributes.js');

// Count-limit drops warn once; keep the test output clean.
require('../../dist/log.js').setLogLevel('none');

const holder = () => ({ attributes: {}, attributeCount: 0, droppedAttributesCount: 0 });

test('valid scalar values are stored as given', () => {
  const h = holder();
  setLimitedAttributes(h, { s: 'x', n: 1.5, nan: NaN, inf: -Infinity, t: true, f: false, zero: 0, empty: '' }, 128, Infinity);
  assert.deepEqual(h.attributes, { s: 'x', n: 1.5, nan: NaN, inf: -Infinity, t: true, f: false, zero: 0, empty: '' });
  assert.equal(h.attributeCount, 8);
  assert.equal(h.droppedAttributesCount, 0);
});

test('invalid values and keys are dropped without counting as limit drops', () => {
  const h = holder();
  setLimitedAttributes(
    h,
    { u: undefined, nul: null, obj: { a: 1 }, fn() {}, big: 10n, sym: Symbol('s'), mixed: [1, 'a'], nested: [[1]], objs: [{}] },
    128,
    Infinity,
  );
  setLimitedAttribute(h, '', 'empty key', 128, Infinity);
  setLimitedAttribute(h, 42, 'non-string key', 128, Infinity);
  assert.deepEqual(h.attributes, {});
  assert.equal(h.attributeCount, 0);
  assert.equal(h.droppedAttributesCount, 0);
});

test('homogeneous arrays are copied; null/undefined entries are kept as null', () => {
  const h = holder();
  const input = ['a', null, undefined, 'b'];
  setLimitedAttribute(h, 'arr', input, 128, Infinity);
  setLimitedAttribute(h, 'nums', [1, null, 2], 128, Infinity);
  setLimitedAttribute(h, 'bools', [true, false], 128, Infinity);
  setLimitedAttribute(h, 'none', [], 128, Infinity);
  setLimitedAttribute(h, 'allnull', [null, undefined], 128, Infinity);
  assert.deepEqual(h.attributes.arr, ['a', null, null, 'b']);
  assert.deepEqual(h.attributes.nums, [1, null, 2]);
  assert.deepEqual(h.attributes.bools, [true, false]);
  assert.deepEqual(h.attributes.none, []);
  assert.deepEqual(h.attributes.allnull, [null, null]);
  input[0] = 'mutated';
  assert.equal(h.attributes.arr[0], 'a', 'stored array must be a copy');
});

test('strings are truncated to the value length limit, also inside arrays', () => {
  const h = holder();
  setLimitedAttribute(h, 's', 'abcdefgh', 128, 3);
  setLimitedAttribute(h, 'short', 'ab', 128, 3);
  setLimitedAttribute(h, 'arr', ['abcdef', 'x', null], 128, 3);
  setLimitedAttribute(h, 'n', 123456789, 128, 3);
  assert.equal(h.attributes.s, 'abc');
  assert.equal(h.attributes.short, 'ab');
  assert.deepEqual(h.attributes.arr, ['abc', 'x', null]);
  assert.equal(h.attributes.n, 123456789, 'numbers are not truncated');
});

test('truncation never splits a surrogate pair', () => {
  assert.equal(sanitizeAttributeValue('ab😀c', 3), 'ab');
  assert.equal(sanitizeAttributeValue('ab😀c', 4), 'ab😀');
  assert.equal(sanitizeAttributeValue('abc', 0), '');
});

test('count limit drops new keys and counts them; replacing an existing key is not a drop', () => {
  const h = holder();
  setLimitedAttributes(h, { a: 1, b: 2, c: 3, d: 4 }, 2, Infinity);
  assert.deepEqual(h.attributes, { a: 1, b: 2 });
  assert.equal(h.droppedAttributesCount, 2);
  setLimitedAttribute(h, 'a', 10, 2, Infinity);
  assert.equal(h.attributes.a, 10);
  assert.equal(h.droppedAttributesCount, 2);
  assert.equal(h.attributeCount, 2);
  setLimitedAttribute(h, 'e', 5, 2, Infinity);
  assert.equal(h.droppedAttributesCount, 3);
  assert.equal('e' in h.attributes, false);
});

test('a count limit of 0 drops everything', () => {
  const h = holder();
  setLimitedAttributes(h, { a: 1, b: 'x' }, 0, Infinity);
  assert.deepEqual(h.attributes, {});
  assert.equal(h.droppedAttributesCount, 2);
});

test('keys that exist on Object.prototype are stored and counted as new keys', () => {
  const h = holder();
  setLimitedAttribute(h, 'constructor', 'c', 128, Infinity);
  setLimitedAttribute(h, 'toString', 't', 128, Infinity);
  setLimitedAttribute(h, '__proto__', 'p', 128, Infinity);
  assert.equal(h.attributeCount, 3);
  assert.equal(Object.getPrototypeOf(h.attributes), Object.prototype);
  assert.deepEqual(Object.keys(h.attributes).sort(), ['__proto__', 'constructor', 'toString']);
  assert.equal(Object.getOwnPropertyDescriptor(h.attributes, '__proto__').value, 'p');
  setLimitedAttribute(h, 'constructor', 'c2', 128, Infinity);
  assert.equal(h.attributeCount, 3);
});

test('a first set of attributes is stored as a copy: the caller may change its object afterwards', () => {
  const { EMPTY_ATTRIBUTES } = require('../../dist/sdk/attributes.js');
  const h = { attributes: EMPTY_ATTRIBUTES, attributeCount: 0, droppedAttributesCount: 0 };
  const given = { a: 'x', b: 2, c: true };
  setLimitedAttributes(h, given, 128, Infinity);
  given.a = 'changed';
  given.d = 'added';
  assert.deepEqual(h.attributes, { a: 'x', b: 2, c: true });
  assert.equal(h.attributeCount, 3);
  // A later store goes to the holder's own object, never to the shared empty one.
  setLimitedAttribute(h, 'e', 1, 128, Infinity);
  assert.deepEqual(EMPTY_ATTRIBUTES, {});
});

test('handOver: the object built for the next span is kept itself, once, and within the limits', () => {
  const { handOver } = require('../../dist/sdk/attributes.js');
  const built = handOver({ a: 'x', b: 2 });
  const first = holder();
  setLimitedAttributes(first, built, 128, Infinity);
  assert.equal(first.attributes, built, 'kept, not copied');
  const second = holder();
  setLimitedAttributes(second, built, 128, Infinity);
  assert.notEqual(second.attributes, built, 'a second use is a copy');
  // Over a limit, the one-by-one path applies all the same.
  const cut = holder();
  setLimitedAttributes(cut, handOver({ long: 'abcdef', n: 1, m: 2 }), 2, 3);
  assert.deepEqual(cut.attributes, { long: 'abc', n: 1 });
  assert.equal(cut.droppedAttributesCount, 1);
});

test('the copy path sees what the key-by-key path sees: inherited keys, arrays, __proto__', () => {
  const inherited = Object.create({ fromProto: 'p' });
  inherited.own = 'o';
  const h1 = holder();
  setLimitedAttributes(h1, inherited, 128, Infinity);
  assert.deepEqual({ ...h1.attributes }, { own: 'o', fromProto: 'p' });
  const h2 = holder();
  const list = ['a', 'b'];
  setLimitedAttributes(h2, { list }, 128, Infinity);
  list.push('c');
  assert.deepEqual(h2.attributes.list, ['a', 'b']);
  const h3 = holder();
  setLimitedAttributes(h3, JSON.parse('{"__proto__": "x", "k": 1}'), 128, Infinity);
  assert.equal(Object.getOwnPropertyDescriptor(h3.attributes, '__proto__').value, 'x');
  assert.equal(Object.getPrototypeOf(h3.attributes), Object.prototype);
});
