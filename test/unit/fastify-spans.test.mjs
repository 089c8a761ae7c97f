// The wrappers the fastify instrumentation puts around hooks and handlers
// (src/instrumentations/fastify/spans.ts), called the way fastify calls them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const api = require('@opentelemetry/api');
const { tracedHook } = require('../../dist/instrumentations/fastify/spans.js');
const { attachWebRecord } = require('../../dist/instrumentations/http-shared/web-record.js');

const ended = [];
const tracer = {
  startSpan: (name) => {
    const span = api.trace.wrapSpanContext({ traceId: '1'.repeat(32), spanId: '2'.repeat(16), traceFlags: 0 });
    span.end = () => ended.push(name);
    return span;
  },
};

function tracedRequest() {
  const raw = {};
  attachWebRecord(raw, { type: 'http', span: tracer.startSpan('server'), method: 'GET', scheme: 'http', route: undefined, framework: undefined, startedAt: 0, isEnded: false, frameworkState: undefined, endings: undefined });
  return { raw };
}

test('an async hook gets fastify\'s own next, untouched, and its span ends with its promise', async () => {
  ended.length = 0;
  let given;
  const hook = tracedHook(tracer, 'onRequest', async function requestId(request, reply, next) {
    given = next;
  });
  assert.equal(hook.constructor.name, 'AsyncFunction', 'fastify tells async hooks by their constructor');
  const next = () => {};
  await hook(tracedRequest(), {}, next);
  assert.equal(given, next, 'an async hook never calls done: nothing of ours to carry');
  assert.deepEqual(ended, ['hook - onRequest - requestId']);
});

test('a callback hook gets a done that ends its span first, then calls fastify\'s', () => {
  ended.length = 0;
  const calls = [];
  const hook = tracedHook(tracer, 'preHandler', function check(request, reply, done) {
    calls.push(done === next ? 'same done' : 'wrapped done');
    done();
  });
  const next = () => calls.push(`next after ${ended.length} span(s) ended`);
  hook(tracedRequest(), {}, next);
  assert.deepEqual(calls, ['wrapped done', 'next after 1 span(s) ended']);
  assert.deepEqual(ended, ['hook - preHandler - check']);
});
