// The web record (src/instrumentations/http-shared/web-record.ts): one per traced request,
// found from the request and from its context, shared with @opentelemetry/core's RPCMetadata.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const api = require('@opentelemetry/api');
const { getRPCMetadata, RPCType } = require('@opentelemetry/core');
const { attachWebRecord, takeWebRecord, webRecordOf, webRecordFromContext, setRoute, RPC_METADATA_KEY } = require('../../dist/instrumentations/http-shared/web-record.js');

const span = api.trace.wrapSpanContext({ traceId: '1'.repeat(32), spanId: '2'.repeat(16), traceFlags: 1 });

test('attach: the record is found from the request and from the context, as RPCMetadata too', () => {
  const req = {};
  const ctx = attachWebRecord(req, span, 'GET', 'http', api.ROOT_CONTEXT);
  const record = webRecordOf(req);
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
});

test('take: removes the record; unknown requests and foreign metadata give undefined', () => {
  const req = {};
  attachWebRecord(req, span, 'POST', 'http', api.ROOT_CONTEXT);
  assert.equal(takeWebRecord(req).method, 'POST');
  assert.equal(webRecordOf(req), undefined);
  assert.equal(takeWebRecord(req), undefined);
  assert.equal(webRecordOf(undefined), undefined);
  assert.equal(webRecordOf('req'), undefined);
  assert.equal(webRecordFromContext(api.ROOT_CONTEXT.setValue(RPC_METADATA_KEY, { type: 'grpc' })), undefined);
});
