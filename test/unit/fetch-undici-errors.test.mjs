// error.type for what undici publishes on undici:request:error, and which errors are only a
// body being cancelled (src/instrumentations/fetch/undici-errors.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { isBodyCancellation } = require('../../dist/instrumentations/fetch/undici-errors.js');
const { errorTypeForError: errorTypeForUndiciError } = require('../../dist/instrumentations/http-shared/error-type.js');
const { errors } = require('undici');

const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });

test('error.type: the code, an undici UND_ERR_* code, a DOMException name, or _OTHER', () => {
  assert.equal(errorTypeForUndiciError(refused), 'ECONNREFUSED');
  assert.equal(errorTypeForUndiciError(new errors.SocketError('other side closed')), 'UND_ERR_SOCKET');
  assert.equal(errorTypeForUndiciError(new errors.HeadersTimeoutError()), 'UND_ERR_HEADERS_TIMEOUT');
  assert.equal(errorTypeForUndiciError(new DOMException('aborted', 'AbortError')), 'AbortError');
  assert.equal(errorTypeForUndiciError(new DOMException('too slow', 'TimeoutError')), 'TimeoutError');
  assert.equal(errorTypeForUndiciError(new TypeError('bad')), 'TypeError');
  assert.equal(errorTypeForUndiciError('Response object has been garbage collected'), '_OTHER');
  assert.equal(errorTypeForUndiciError(undefined), '_OTHER');
});

test('body cancellations: AbortError (fetch and undici request()) and a non-Error reason', () => {
  assert.equal(isBodyCancellation(new DOMException('aborted', 'AbortError')), true);
  assert.equal(isBodyCancellation(new errors.RequestAbortedError()), true);
  assert.equal(isBodyCancellation('Response object has been garbage collected'), true);
  assert.equal(isBodyCancellation(undefined), true);
});

test('not cancellations: network failures and timeouts', () => {
  assert.equal(isBodyCancellation(refused), false);
  assert.equal(isBodyCancellation(new errors.SocketError('other side closed')), false);
  assert.equal(isBodyCancellation(new errors.BodyTimeoutError()), false);
  assert.equal(isBodyCancellation(new DOMException('too slow', 'TimeoutError')), false);
});
