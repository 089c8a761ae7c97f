// The web record (src/instrumentations/http-shared/web-record.ts): one per traced request,
// found from the request and from its context, shared with @opentelemetry/core's RPCMetadata.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const api = require('@opentelemetry/api');
const { getRPCMetadata, RPCType } = require('@opentelemetry/core');
const { attachWebRecord, webRecordOf, requestRecordOf, webRecordFromContext, setRoute, RPC_METADATA_KEY } = require('../../dist/instrumentations/http-shared/web-record.js');
const { ServerContext } = require('../../dist/instrumentations/http/server-context.js');

const span = api.trace.wrapSpanContext({ traceId: '1'.repeat(32), spanId: '2'.repeat(16), traceFlags: 1 });

test('attach: the record is found from the request and from the context, as RPCMetadata too', () => {
  const req = {};
  const record = { type: 'http', span, method: 'GET', scheme: 'http', route: undefined, framework: undefined, startedAt: 0, isEnded: false };
  attachWebRecord(req, record);
  // The context http gives the request (src/instrumentations/http/server-context.ts).
  const ctx = new ServerContext(api.ROOT_CONTEXT, span, record);
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

test("the SERVER span's context: the span and the record, then only the span's ids once released; derived contexts read through it", () => {
  const record = { type: 'http', span, method: 'GET', scheme: 'http', route: undefined, framework: undefined, startedAt: 0, isEnded: false };
  const BAGGAGE_LIKE = api.createContextKey('a parent value');
  const OTHER = api.createContextKey('a value set later');
  const parent = api.ROOT_CONTEXT.setValue(BAGGAGE_LIKE, 'from the parent');
  const ctx = new ServerContext(parent, span, record);
  const child = ctx.setValue(OTHER, 'set on a child');
  const withoutSpan = ctx.deleteValue(Symbol.for('OpenTelemetry Context Key SPAN'));
  assert.equal(api.trace.getSpan(ctx), span);
  assert.equal(getRPCMetadata(ctx), record);
  assert.equal(ctx.getValue(BAGGAGE_LIKE), 'from the parent');
  assert.equal(api.trace.getSpan(child), span);
  assert.equal(child.getValue(OTHER), 'set on a child');
  assert.equal(ctx.getValue(OTHER), undefined, 'setValue derives, it does not change the context');
  assert.equal(api.trace.getSpan(withoutSpan), undefined);
  assert.equal(getRPCMetadata(withoutSpan), record);

  ctx.release();
  const after = api.trace.getSpan(ctx);
  assert.notEqual(after, span, 'the ended span itself is no longer held');
  assert.deepEqual(after.spanContext(), span.spanContext(), 'the same ids: work started later still nests under it');
  assert.equal(after.isRecording(), false);
  assert.equal(api.trace.getSpan(ctx), after, 'one stand-in, not one per read');
  assert.equal(getRPCMetadata(ctx), undefined);
  assert.deepEqual(api.trace.getSpan(child).spanContext(), span.spanContext());
  assert.equal(ctx.getValue(BAGGAGE_LIKE), 'from the parent');
});
