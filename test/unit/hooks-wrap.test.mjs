import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { wrap, unwrap, isWrapped, getOriginal, withUndoJournal, contain, safely } = require('../../dist/hooks/wrap.js');
const { setLogLevel } = require('../../dist/log.js');

setLogLevel('none');

function target() {
  return {
    add(a, b) {
      return a + b;
    },
  };
}

const plusOne = (original) =>
  function add(...args) {
    return original.apply(this, args) + 1;
  };

test('wrap replaces the function, keeps this/args, and is idempotent', () => {
  const t = target();
  const original = t.add;
  assert.equal(wrap(t, 'add', plusOne), true);
  assert.equal(t.add(1, 2), 4);
  assert.equal(isWrapped(t.add), true);
  assert.equal(getOriginal(t.add), original);
  assert.equal(wrap(t, 'add', plusOne), false, 'second wrap is skipped');
  assert.equal(t.add(1, 2), 4);
  assert.equal(Object.keys(t).includes('add'), true, 'enumerability kept');
});

test('wrap leaves shimmer markers for other agents', () => {
  const t = target();
  const original = t.add;
  wrap(t, 'add', plusOne);
  assert.equal(t.add.__wrapped, true);
  assert.equal(t.add.__original, original);
});

test('wrap skips what it cannot wrap', () => {
  const t = { value: 1 };
  assert.equal(wrap(t, 'value', plusOne), false);
  assert.equal(wrap(t, 'missing', plusOne), false);
  assert.equal(wrap(target(), 'add', () => 'not a function'), false);
  assert.deepEqual(t, { value: 1 });
});

test('wrap leaves accessors and read-only functions alone, without reading or throwing', () => {
  // A library's getter is its own business (it may throw, or build a new function per read); a
  // frozen prototype cannot take a wrapper. Neither is an error of ours: skipped, nothing thrown.
  let reads = 0;
  const withGetter = {};
  Object.defineProperty(withGetter, 'query', { get() { reads++; throw new Error('off limits'); }, configurable: true });
  assert.equal(wrap(withGetter, 'query', plusOne), false);
  assert.equal(reads, 0);
  const locked = Object.freeze({ add: (a, b) => a + b });
  assert.equal(wrap(locked, 'add', plusOne), false);
  assert.equal(locked.add(1, 2), 3);
  // Inherited and read-only, or inherited into an object that takes no new property.
  const readOnlyProto = Object.create(Object.defineProperty({}, 'add', { value: (a, b) => a + b, writable: false, configurable: true }));
  assert.equal(wrap(readOnlyProto, 'add', plusOne), false);
  const sealed = Object.preventExtensions(Object.create({ add: (a, b) => a + b }));
  assert.equal(wrap(sealed, 'add', plusOne), false);
  // Inherited and writable: wrapped on the target, the prototype untouched (http.Server#emit).
  const proto = { add: (a, b) => a + b };
  const child = Object.create(proto);
  assert.equal(wrap(child, 'add', plusOne), true);
  assert.equal(child.add(1, 2), 4);
  assert.equal(proto.add(1, 2), 3);
});

test('wrap works on null-prototype objects (ES module namespaces)', () => {
  const ns = Object.create(null);
  ns.add = (a, b) => a + b;
  assert.equal(wrap(ns, 'add', plusOne), true);
  assert.equal(ns.add(1, 1), 3);
  assert.equal(unwrap(ns, 'add'), true);
  assert.equal(ns.add(1, 1), 2);
});

test('unwrap restores the original, and only for our wrappers', () => {
  const t = target();
  const original = t.add;
  wrap(t, 'add', plusOne);
  assert.equal(unwrap(t, 'add'), true);
  assert.equal(t.add, original);
  assert.equal(unwrap(t, 'add'), false);
});

test('withUndoJournal undoes every wrap of a patch that throws, and re-throws', () => {
  const a = target();
  const b = target();
  const originalA = a.add;
  const originalB = b.add;
  assert.throws(
    () =>
      withUndoJournal(() => {
        wrap(a, 'add', plusOne);
        wrap(b, 'add', plusOne);
        throw new Error('half way');
      }),
    /half way/,
  );
  assert.equal(a.add, originalA);
  assert.equal(b.add, originalB);
  // After a rollback the function can be wrapped again.
  assert.equal(withUndoJournal(() => wrap(a, 'add', plusOne)), true);
  assert.equal(a.add(1, 2), 4);
});

test('contain and safely swallow our errors and return the fallback', () => {
  const lines = [];
  const write = process.stderr.write;
  setLogLevel('error');
  process.stderr.write = (chunk) => (lines.push(String(chunk)), true);
  try {
    const f = contain('OTELI_E_TEST', 'recording', function (x) {
      if (x > 1) throw new Error('nope');
      return this?.k ?? x;
    });
    assert.equal(f.call({ k: 'this kept' }, 1), 'this kept');
    assert.equal(f(2), undefined);
    assert.equal(f(3), undefined);
    assert.equal(safely('OTELI_E_TEST', 'elsewhere', () => { throw new Error('x'); }, 'fallback'), 'fallback');
  } finally {
    process.stderr.write = write;
    setLogLevel('none');
  }
  assert.equal(lines.length, 2, 'once per (code, where)');
  assert.match(lines[0], /OTELI_E_TEST recording: nope/);
});
