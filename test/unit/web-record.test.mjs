// The web record (src/instrumentations/http-shared/web-record.ts): one per traced request,
// found from the request and from its context, shared with @opentelemetry/core's RPCMetadata.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const api = require('@opentelemetry/api');
const { getRPCMetadata, RPCType } = require('@opentelemetry/core');
const { attachWebRecord, contextWithWebRecord, webRecordOf, requestRecordOf, webRecordFromContext, setRoute, RPC_METADATA_KEY } = require('../../dist/instrumentations/http-shared/web-record.js');

const span = api.trace.wrapSpanContext({ traceId: '1'.repeat(32), spanId: '2'.repeat(16), traceFlags: 1 });

test('attach: the record is found from the request and from the context, as RPCMetadata too', () => {
  const req = {};
  const record = { type: 'http', span, method: 'GET', scheme: 'http', route: undefined, framework: undefined, startedAt: 0, isEnded: false };
  attachWebRecord(req, record);
  const ctx = contextWithWebRecord(api.ROOT_CONTEXT, record);
  assert.equal(webRecordOf(req), record);
  assert.equal(webRecordFromContext(ctx), record);
  assert.equal(getRPCMetadata(ctx), record, "core's getRPCMetadata reads the same object");
  assert.equal(record.type, RPCType.HTTP);
  assert.equal(record.span, span);
  assert.equal(RPC_METADATA_KEY, Symbol.for('OpenTelemetry SDK Context Key RPC_METADATA'));
  // A route set through RPCMetadata is the record's route.
  getRPCMetadata(ctx).route = '/a/:b';
  assert.equal(record.route, '/a/:b');
  setRoute(record, '/x/:y', 'express');
  assert.deepEqual({ route: record.route, framework: record.framework }, { route: '/x/:y', framework: 'express' });
  // Once the response ended, frameworks no longer see it; http still does (a re-emit, late events).
  record.isEnded = true;
  assert.equal(webRecordOf(req), undefined);
  assert.equal(requestRecordOf(req), record);
});

test('unknown requests and foreign metadata give undefined', () => {
  assert.equal(webRecordOf({}), undefined);
  assert.equal(webRecordOf(undefined), undefined);
  assert.equal(webRecordOf('req'), undefined);
  assert.equal(webRecordFromContext(api.ROOT_CONTEXT.setValue(RPC_METADATA_KEY, { type: 'grpc' })), undefined);
});
