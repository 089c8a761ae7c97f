import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { standDown, isStoodDown, stoodDownIds } = require('../../dist/agent/stand-down.js');

test('standDown is per instrumentation id, one-way and idempotent', () => {
  assert.equal(isStoodDown('http'), false);
  assert.equal(isStoodDown('toString'), false, 'no prototype keys');
  standDown('http', 'test');
  standDown('http', 'again');
  assert.equal(isStoodDown('http'), true);
  assert.equal(isStoodDown('undici'), false);
  assert.deepEqual(stoodDownIds(), ['http']);
});
