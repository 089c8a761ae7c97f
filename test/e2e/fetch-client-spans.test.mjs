// Global fetch under the real CLI: one CLIENT span per request with the stable HTTP client
// attributes, ERROR for ≥ 400 and for connection failures, and the traceparent the server
// receives naming the CLIENT span.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startReceiver } from '../helpers/otlp-receiver.mjs';
import { runCli, receiverEnv } from '../helpers/run-cli.mjs';
import { drawTree } from '../helpers/trace-tree.mjs';
import { closedPort } from '../fixtures/fetch/target-server.mjs';
import { fixture, setUp, spansOfRun } from '../fixtures/fetch/harness.mjs';

const SCOPE = { name: 'otel-instrument/undici', version: '0.1.0' };

test('fetch 200, 404, 500 and a refused connection: exact CLIENT spans', async (t) => {
  const { receiver, target } = await setUp(t);
  const refusedPort = await closedPort();
  const run = await runCli(['node', fixture('statuses.mjs')], {
    env: receiverEnv(receiver, { TARGET_URL: target.url, CLOSED_PORT: String(refusedPort) }),
  });
  assert.equal(run.code, 0, run.stderr);
  // The app's view is untouched: same statuses, bodies and error.
  assert.deepEqual(JSON.parse(run.stdout), {
    200: { status: 200, body: 'status 200' },
    404: { status: 404, body: 'status 404' },
    500: { status: 500, body: 'status 500' },
    refused: { name: 'TypeError', message: 'fetch failed', causeCode: 'ECONNREFUSED' },
  });

  const spans = await spansOfRun(receiver, 4);
  // GET (CLIENT)   ×4, each a root: the fixture has no active span
  assert.equal(drawTree(spans), 'GET (CLIENT)\nGET (CLIENT)\nGET (CLIENT)\nGET (CLIENT)');
  const byUrl = new Map(spans.map((s) => [s.attributes['url.full'], s]));
  const ok = (code) => ({
    'http.request.method': 'GET',
    'url.full': `${target.url}/status/${code}`,
    'server.address': '127.0.0.1',
    'server.port': target.port,
    'network.protocol.version': '1.1',
    'http.response.status_code': code,
    ...(code >= 400 ? { 'error.type': String(code) } : {}),
  });
  for (const code of [200, 404, 500]) {
    const span = byUrl.get(`${target.url}/status/${code}`);
    assert.ok(span, `a span for ${code}`);
    assert.equal(span.parentSpanId, '');
    assert.deepEqual(span.attributes, ok(code));
    assert.deepEqual(span.status, code >= 400 ? { code: 'ERROR', message: '' } : { code: 'UNSET', message: '' });
    assert.deepEqual(span.events, []);
    assert.deepEqual(span.scope, SCOPE);
  }

  const refused = byUrl.get(`http://127.0.0.1:${refusedPort}/refused`);
  assert.ok(refused, 'a span for the refused connection');
  assert.equal(refused.kind, 'CLIENT');
  assert.deepEqual(refused.attributes, {
    'http.request.method': 'GET',
    'url.full': `http://127.0.0.1:${refusedPort}/refused`,
    'server.address': '127.0.0.1',
    'server.port': refusedPort,
    'error.type': 'ECONNREFUSED',
  });
  assert.deepEqual(refused.status, { code: 'ERROR', message: `connect ECONNREFUSED 127.0.0.1:${refusedPort}` });
  assert.equal(refused.events.length, 1);
  assert.equal(refused.events[0].name, 'exception');
  assert.equal(refused.events[0].attributes['exception.message'], `connect ECONNREFUSED 127.0.0.1:${refusedPort}`);
  assert.equal(refused.events[0].attributes['exception.type'], 'ECONNREFUSED');

  // Exactly one span per request: nothing else arrived.
  assert.equal(spans.length, 4);
  // What the server received: one traceparent each, naming the CLIENT span.
  assert.equal(target.received.length, 3);
  for (const req of target.received) {
    const span = byUrl.get(`${target.url}${req.url}`);
    assert.equal(req.headers.traceparent, `00-${span.traceId}-${span.spanId}-01`);
  }
});

test('fetch to a node:http server in the same app: CLIENT → SERVER, one traceparent', async (t) => {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const run = await runCli(['node', fixture('client-server.mjs')], { env: receiverEnv(receiver) });
  assert.equal(run.code, 0, run.stderr);
  const { traceparent, port } = JSON.parse(run.stdout);

  const spans = await spansOfRun(receiver, 2);
  // GET (CLIENT)
  // └─ GET (SERVER)
  assert.equal(drawTree(spans), 'GET (CLIENT)\n└─ GET (SERVER)');
  const client = spans.find((s) => s.kind === 'CLIENT');
  const server = spans.find((s) => s.kind === 'SERVER');
  assert.equal(traceparent, `00-${client.traceId}-${client.spanId}-01`);
  assert.equal(server.traceId, client.traceId);
  assert.equal(server.parentSpanId, client.spanId);
  assert.deepEqual(client.attributes, {
    'http.request.method': 'GET',
    'url.full': `http://127.0.0.1:${port}/orders?id=7`,
    'server.address': '127.0.0.1',
    'server.port': port,
    'network.protocol.version': '1.1',
    'http.response.status_code': 200,
  });
  assert.deepEqual(client.status, { code: 'UNSET', message: '' });
});
