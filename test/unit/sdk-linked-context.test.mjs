// LinkedContext (src/sdk/linked-context.ts): a context that links one value to its parent must
// answer every lookup as the api's own context would, at any depth, after deletes and folds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const api = require('@opentelemetry/api');
const { LinkedContext, contextWithSpan } = require('../../dist/sdk/linked-context.js');

const keys = Array.from({ length: 6 }, (_, i) => api.createContextKey(`linked-context test key ${i}`));

test('set, shadow and delete answer as the api context does, through 40 derivations', () => {
  let ours = LinkedContext.with(api.ROOT_CONTEXT.setValue(keys[0], 'from the parent'), keys[1], 'one');
  let theirs = api.ROOT_CONTEXT.setValue(keys[0], 'from the parent').setValue(keys[1], 'one');
  for (let i = 0; i < 40; i++) {
    const key = keys[(i * 7) % keys.length];
    if (i % 5 === 4) {
      ours = ours.deleteValue(key);
      theirs = theirs.deleteValue(key);
    } else {
      ours = ours.setValue(key, i);
      theirs = theirs.setValue(key, i);
    }
    for (const k of keys) assert.equal(ours.getValue(k), theirs.getValue(k), `step ${i}, ${String(k)}`);
  }
});

test('a derived context leaves its parent unchanged', () => {
  const parent = LinkedContext.with(api.ROOT_CONTEXT, keys[0], 'a');
  const child = parent.setValue(keys[0], 'b').deleteValue(keys[1]);
  assert.equal(parent.getValue(keys[0]), 'a');
  assert.equal(child.getValue(keys[0]), 'b');
  assert.equal(api.ROOT_CONTEXT.getValue(keys[0]), undefined);
});

test('contextWithSpan is what trace.getSpan reads, and the api derives from it', () => {
  const span = api.trace.wrapSpanContext({ traceId: '1'.repeat(32), spanId: '2'.repeat(16), traceFlags: 1 });
  const ctx = contextWithSpan(api.ROOT_CONTEXT, span);
  assert.equal(api.trace.getSpan(ctx), span);
  assert.equal(api.trace.getSpan(api.trace.deleteSpan(ctx)), undefined);
  assert.equal(api.trace.getSpan(api.ROOT_CONTEXT), undefined);
});
