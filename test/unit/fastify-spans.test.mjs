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

test('an async hook or handler hands fastify the promise of the original itself, and looks like it', async () => {
  ended.length = 0;
  const { tracedHandler } = require('../../dist/instrumentations/fastify/spans.js');
  let promise;
  const original = function authenticate(request, reply) {
    promise = (async () => 'ok')();
    return promise;
  };
  // An async function that returns a promise made elsewhere, so the identity below means something.
  Object.setPrototypeOf(original, Object.getPrototypeOf(async () => {}));
  const hook = tracedHook(tracer, 'onRequest', original);
  const handler = tracedHandler(tracer, '/users/:id', async function getUser(request) {
    return request;
  });
  for (const [wrapped, name, length] of [[hook, 'authenticate', 2], [handler, 'getUser', 1]]) {
    // fastify validates both by these: an async hook of arity 3 is refused, a callback one gets done.
    assert.deepEqual([wrapped.constructor.name, wrapped.name, wrapped.length], ['AsyncFunction', name, length]);
  }
  const result = hook(tracedRequest(), {});
  assert.equal(result, promise, 'no promise of ours in between: fastify waits on the original\'s, as without the agent');
  assert.equal(await result, 'ok');
  await new Promise(setImmediate);
  assert.deepEqual(ended, ['hook - onRequest - authenticate']);
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
