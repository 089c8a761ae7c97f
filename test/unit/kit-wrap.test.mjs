// ctx.wrap (src/kit/contained-wrap.ts): the stand-down check and call-time containment. The
// app's call returns and throws exactly what it would without us, whatever our wrapper does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { containedWrap } = require('../../dist/kit/contained-wrap.js');
require('../../dist/log.js').setLogLevel('none');

function target() {
  return {
    calls: 0,
    add(a, b) {
      this.calls++;
      if (a === 'boom') throw new TypeError('app error');
      return a + b;
    },
  };
}

test('a wrapper that throws before calling the original: the original runs, its result returned', () => {
  const t = target();
  containedWrap('test', () => false, t, 'add', () => function add() {
    throw new Error('our bug');
  });
  assert.equal(t.add(1, 2), 3);
  assert.equal(t.calls, 1, 'the original ran once');
});

test('a wrapper that throws after the original returned: the app still gets the result', () => {
  const t = target();
  containedWrap('test', () => false, t, 'add', (original) => function add(...args) {
    original.apply(this, args);
    throw new Error('our bug while recording');
  });
  assert.equal(t.add(2, 3), 5);
  assert.equal(t.calls, 1);
});

test("the original's own error passes through unchanged, even when the wrapper throws another", () => {
  const t = target();
  containedWrap('test', () => false, t, 'add', (original) => function add(...args) {
    try {
      return original.apply(this, args);
    } catch {
      throw new Error('our bug while recording the failure');
    }
  });
  assert.throws(() => t.add('boom', 1), { name: 'TypeError', message: 'app error' });
});

test('nested wrapped calls keep their own bookkeeping', () => {
  const inner = target();
  containedWrap('inner', () => false, inner, 'add', (original) => function add(...args) {
    return original.apply(this, args);
  });
  const outer = { run: (a) => inner.add(a, 1) };
  containedWrap('outer', () => false, outer, 'run', (original) => function run(...args) {
    const result = original.apply(this, args);
    if (result === 11) throw new Error('our bug after a nested call');
    return result;
  });
  assert.equal(outer.run(10), 11, 'the outer original result, despite the throw after it');
  assert.throws(() => outer.run('boom'), { message: 'app error' });
});

test('stood down: calls go straight to the original; this, arguments, name and length kept', () => {
  const t = target();
  let stoodDown = false;
  let traced = 0;
  containedWrap('test', () => stoodDown, t, 'add', (original) => function add(...args) {
    traced++;
    return original.apply(this, args);
  });
  assert.equal(t.add(1, 1), 2);
  stoodDown = true;
  assert.equal(t.add(1, 1), 2);
  assert.equal(traced, 1);
  assert.equal(t.calls, 2);
  assert.equal(t.add.name, 'add');
  assert.equal(t.add.length, 2);
});

test('the wrapper has the original\'s name, also when the original has none', () => {
  // pg 8.0's `Client.prototype.query = function (config, values, callback) {…}` is anonymous:
  // `client.query.name` is '' without us, and must not become the name of our wrapper.
  const t = { query: [function (a, b, c) { return [a, b, c]; }][0] };
  assert.equal(t.query.name, '');
  containedWrap('test', () => false, t, 'query', (original) => function query(...args) {
    return original.apply(this, args);
  });
  assert.equal(t.query.name, '');
  assert.equal(t.query.length, 3);
});
