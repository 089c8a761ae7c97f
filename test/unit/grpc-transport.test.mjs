// The pieces of the gRPC transport that need no server: the OTLP spec's retry verdict for every
// status code, grpc-timeout, and RetryInfo read from grpc-status-details-bin (encoded here by the
// test helper, with protobufjs, independently of our reader).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { encodeStatusDetails } from '../helpers/otlp-grpc-receiver.mjs';

const require = createRequire(import.meta.url);
const { judgeCall, grpcTimeout, retryDelayFromStatusDetails, GRPC_STATUS } = require('../../dist/exporters/grpc-transport.js');

const status = (code, retryDelayMs) => ({ kind: 'status', code, message: '', response: Buffer.alloc(0), retryDelayMs });

test('retried: CANCELLED, DEADLINE_EXCEEDED, ABORTED, OUT_OF_RANGE, UNAVAILABLE, DATA_LOSS; nothing else without RetryInfo', () => {
  const retried = Object.entries(GRPC_STATUS).filter(([, code]) => judgeCall(status(code)).kind === 'retry').map(([name]) => name);
  assert.deepEqual(retried, ['CANCELLED', 'DEADLINE_EXCEEDED', 'ABORTED', 'OUT_OF_RANGE', 'UNAVAILABLE', 'DATA_LOSS']);
});

test('RESOURCE_EXHAUSTED is retried only with RetryInfo, after its delay; RetryInfo sets the delay of the others too', () => {
  assert.deepEqual(judgeCall(status(GRPC_STATUS.RESOURCE_EXHAUSTED, 2500)), { kind: 'retry', unreachable: false, serverDelayMs: 2500 });
  assert.deepEqual(judgeCall(status(GRPC_STATUS.UNAVAILABLE, 700)), { kind: 'retry', unreachable: false, serverDelayMs: 700 });
  // RetryInfo makes no permanent error retryable.
  assert.equal(judgeCall(status(GRPC_STATUS.INVALID_ARGUMENT, 100)).kind, 'done');
  assert.equal(judgeCall(status(GRPC_STATUS.UNAUTHENTICATED, 100)).kind, 'done');
});

test('connection failures are retried as unreachable; a certificate error is not retried', () => {
  const error = (code) => ({ kind: 'error', error: Object.assign(new Error(code), { code }) });
  for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ERR_HTTP2_GOAWAY_SESSION', 'ERR_HTTP2_STREAM_ERROR']) {
    assert.deepEqual(judgeCall(error(code)), { kind: 'retry', unreachable: true }, code);
  }
  assert.equal(judgeCall(error('UNABLE_TO_VERIFY_LEAF_SIGNATURE')).kind, 'done');
});

test('grpc-timeout: milliseconds, at least 1, at most 8 digits', () => {
  assert.equal(grpcTimeout(10000), '10000m');
  assert.equal(grpcTimeout(0.2), '1m');
  assert.equal(grpcTimeout(-5), '1m');
  assert.equal(grpcTimeout(99_999_999), '99999999m');
  assert.equal(grpcTimeout(100_000_000), '100000S');
});

test('RetryInfo from grpc-status-details-bin; garbage or other details give none', () => {
  const details = (retryDelayMs) => encodeStatusDetails({ code: 8, message: 'quota', retryDelayMs }).toString('base64');
  assert.equal(retryDelayFromStatusDetails(details(1500)), 1500);
  assert.equal(retryDelayFromStatusDetails(details(250)), 250);
  assert.equal(retryDelayFromStatusDetails(details(61_000)), 61_000);
  assert.equal(retryDelayFromStatusDetails(details(undefined)), undefined);
  assert.equal(retryDelayFromStatusDetails(undefined), undefined);
  assert.equal(retryDelayFromStatusDetails('!!!not base64'), undefined);
  assert.equal(retryDelayFromStatusDetails(Buffer.from([0x1a, 0xff, 0xff]).toString('base64')), undefined);
});
