// AsyncLocalStorageContextManager (src/sdk/context-manager.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { EventEmitter } from 'node:events';

const require = createRequire(import.meta.url);
const api = require('@opentelemetry/api');
const { AsyncLocalStorageContextManager } = require('../../dist/sdk/context-manager.js');

const KEY = api.createContextKey('test key');
const ctxWith = (value) => api.ROOT_CONTEXT.setValue(KEY, value);

test('active() is ROOT_CONTEXT outside with()', () => {
  const cm = new AsyncLocalStorageContextManager().enable();
  assert.equal(cm.active(), api.ROOT_CONTEXT);
});

test('with() sets the context for sync and async work, passes this and args, and restores', async () => {
  const cm = new AsyncLocalStorageContextManager().enable();
  const ctx = ctxWith('a');
  const self = { name: 'self' };
  const ret = cm.with(ctx, function (x, y) {
    assert.equal(this, self);
    assert.equal(cm.active(), ctx);
    return x + y;
  }, self, 2, 3);
  assert.equal(ret, 5);
  assert.equal(cm.active(), api.ROOT_CONTEXT);

  const seen = await cm.with(ctx, async () => {
    await new Promise((r) => setTimeout(r, 1));
    return cm.active().getValue(KEY);
  });
  assert.equal(seen, 'a');
  // Nested: the inner context wins inside, the outer one comes back after.
  cm.with(ctx, () => {
    cm.with(ctxWith('b'), () => assert.equal(cm.active().getValue(KEY), 'b'));
    assert.equal(cm.active().getValue(KEY), 'a');
  });
});

test('with() re-throws the callback error unchanged and restores the context', () => {
  const cm = new AsyncLocalStorageContextManager().enable();
  const err = new Error('app error');
  assert.throws(() => cm.with(ctxWith('x'), () => { throw err; }), (e) => e === err);
  assert.equal(cm.active(), api.ROOT_CONTEXT);
});

test('bind() on a function runs it in the bound context, keeping this, args and length', () => {
  const cm = new AsyncLocalStorageContextManager().enable();
  const fn = function (a, b, c, d) { return [this, a, cm.active().getValue(KEY)]; };
  const bound = cm.bind(ctxWith('bound'), fn);
  assert.equal(bound.length, 4);
  const self = {};
  const [gotThis, gotArg, gotValue] = cm.with(ctxWith('other'), () => bound.call(self, 1));
  assert.equal(gotThis, self);
  assert.equal(gotArg, 1);
  assert.equal(gotValue, 'bound');
});

test('bind() on an EventEmitter runs listeners in the bound context; removeListener still works', () => {
  const cm = new AsyncLocalStorageContextManager().enable();
  const ee = new EventEmitter();
  assert.equal(cm.bind(ctxWith('ee'), ee), ee);
  const values = [];
  const listener = () => values.push(cm.active().getValue(KEY));
  ee.on('data', listener);
  ee.once('end', listener);
  cm.with(ctxWith('emitter-side'), () => {
    ee.emit('data');
    ee.emit('end');
    ee.emit('end');
  });
  assert.deepEqual(values, ['ee', 'ee']);
  ee.removeListener('data', listener);
  assert.equal(ee.listenerCount('data'), 0);
  ee.on('data', listener);
  ee.off('data', listener);
  assert.equal(ee.listenerCount('data'), 0);
  ee.on('x', listener);
  ee.removeAllListeners();
  assert.equal(ee.listenerCount('x'), 0);
});

test('bind() leaves other values untouched; disable() forgets the active context', () => {
  const cm = new AsyncLocalStorageContextManager().enable();
  const obj = {};
  assert.equal(cm.bind(ctxWith('x'), obj), obj);
  cm.with(ctxWith('x'), () => {
    cm.disable();
    assert.equal(cm.active(), api.ROOT_CONTEXT);
  });
  // Usable again after disable.
  cm.with(ctxWith('y'), () => assert.equal(cm.active().getValue(KEY), 'y'));
});

// Node.js 24's AsyncLocalStorage#run (AsyncContextFrame) copies the frame twice per call; where
// it does, with() switches frames through an AsyncResource instead (src/sdk/context-manager.ts).
const { AsyncLocalStorage } = require('node:async_hooks');
const { runCopiesFrames } = require('../../dist/sdk/context-manager.js');

test('runCopiesFrames() reads how run() is built: two enterWith() calls, or not', () => {
  class FrameStorage {
    run(data, fn, ...args) {
      const prior = this.getStore();
      this.enterWith(data);
      try {
        return fn(...args);
      } finally {
        this.enterWith(prior);
      }
    }
  }
  class HookStorage {
    run(store, fn, ...args) {
      return fn(...args);
    }
  }
  assert.equal(runCopiesFrames(FrameStorage), true);
  assert.equal(runCopiesFrames(HookStorage), false);
  assert.equal(runCopiesFrames({ prototype: { run: null } }), false);
});

test('with() calls AsyncLocalStorage#run only where run() does not copy frames, and behaves the same either way', async (t) => {
  const copiesFrames = runCopiesFrames(); // before the mock replaces run()
  const run = t.mock.method(AsyncLocalStorage.prototype, 'run');
  const cm = new AsyncLocalStorageContextManager().enable();
  const outer = ctxWith('outer');
  const inner = ctxWith('inner');
  const seen = [];
  await cm.with(outer, async () => {
    cm.with(inner, () => {
      seen.push(cm.active().getValue(KEY));
      setTimeout(() => seen.push(`timer ${cm.active().getValue(KEY)}`), 1);
    });
    seen.push(cm.active().getValue(KEY));
    assert.throws(() => cm.with(inner, () => { throw new Error('thrown'); }), /thrown/);
    seen.push(cm.active().getValue(KEY));
    // The active context again: nothing to switch.
    cm.with(outer, () => seen.push(cm.active().getValue(KEY)));
    await new Promise((resolve) => setTimeout(resolve, 5));
  });
  assert.deepEqual(seen, ['inner', 'outer', 'outer', 'outer', 'timer inner']);
  assert.equal(cm.active(), api.ROOT_CONTEXT);
  // The test runner has stores of its own: only the manager's count.
  const ours = run.mock.calls.filter((call) => call.this === cm._storage).length;
  assert.equal(ours === 0, copiesFrames, `run() called ${ours} times`);
});
