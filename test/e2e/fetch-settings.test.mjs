// The settings the fetch instrumentation honours, one test per variable, plus url.full redaction
// and an unknown method.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startReceiver } from '../helpers/otlp-receiver.mjs';
import { runCli, receiverEnv } from '../helpers/run-cli.mjs';
import { drawTree } from '../helpers/trace-tree.mjs';
import { fixture, setUp, spansOfRun } from '../fixtures/fetch/harness.mjs';

const APP_TRACEPARENT = '00-11111111111111111111111111111111-2222222222222222-01';

test('url.full redaction, OTEL_NODE_HTTP_EXCLUDED_URLS, OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_CLIENT_*, _OTHER', async (t) => {
  const { receiver, target } = await setUp(t);
  const run = await runCli(['node', fixture('attributes.mjs')], {
    env: receiverEnv(receiver, {
      TARGET_URL: target.url,
      OTEL_NODE_HTTP_EXCLUDED_URLS: '/health',
      OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_CLIENT_REQUEST: 'X-Request-Id,traceparent',
      OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_CLIENT_RESPONSE: 'x-answer',
    }),
  });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout.trim(), '[200,200,200]');

  const spans = await spansOfRun(receiver, 2);
  // GET (CLIENT)    the signed URL
  // HTTP (CLIENT)   PURGE, an unknown method
  // (/health is excluded: no span, no traceparent)
  assert.equal(drawTree(spans), 'GET (CLIENT)\nHTTP (CLIENT)');
  const [signedReq, healthReq, purgeReq] = target.received;
  assert.equal(healthReq.url, '/health');
  assert.equal(healthReq.headers.traceparent, undefined);

  const signed = spans.find((s) => s.name === 'GET');
  const signedTraceparent = `00-${signed.traceId}-${signed.spanId}-01`;
  assert.equal(signedReq.headers.traceparent, signedTraceparent);
  assert.deepEqual(signed.attributes, {
    'http.request.method': 'GET',
    'url.full': `${target.url}/status/200?X-Amz-Signature=REDACTED&AWSAccessKeyId=REDACTED&sig=REDACTED&keep=1`,
    'server.address': '127.0.0.1',
    'server.port': target.port,
    'network.protocol.version': '1.1',
    'http.response.status_code': 200,
    'http.request.header.traceparent': [signedTraceparent],
    'http.response.header.x-answer': ['status'],
  });

  // The app's own traceparent is replaced, not duplicated: the server sees ours alone.
  const purge = spans.find((s) => s.name === 'HTTP');
  const purgeTraceparent = `00-${purge.traceId}-${purge.spanId}-01`;
  assert.equal(purgeReq.method, 'PURGE');
  assert.equal(purgeReq.headers.traceparent, purgeTraceparent);
  assert.notEqual(purgeTraceparent, APP_TRACEPARENT);
  assert.equal(purgeReq.headers['x-request-id'], 'req-1');
  assert.deepEqual(purge.attributes, {
    'http.request.method': '_OTHER',
    'http.request.method_original': 'PURGE',
    'url.full': `${target.url}/status/200?purge`,
    'server.address': '127.0.0.1',
    'server.port': target.port,
    'network.protocol.version': '1.1',
    'http.response.status_code': 200,
    'http.request.header.x-request-id': ['req-1'],
    'http.request.header.traceparent': [purgeTraceparent],
    'http.response.header.x-answer': ['status'],
  });
});

test('OTEL_NODE_DISABLED_INSTRUMENTATIONS=undici: no spans and no traceparent from any client', async (t) => {
  const { receiver, target } = await setUp(t);
  const run = await runCli(['node', fixture('three-clients.mjs')], {
    env: receiverEnv(receiver, { TARGET_URL: target.url, OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'undici' }),
  });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout.trim(), '[200,200,200]');
  assert.equal(target.received.length, 3);
  for (const req of target.received) assert.equal(req.headers.traceparent, undefined, req.url);
  // The agent flushes on exit, so anything it had would have arrived by now.
  assert.deepEqual(receiver.spans, []);
});

test('OTEL_SEMCONV_STABILITY_OPT_IN=http/dup: fetch CLIENT and http SERVER spans carry the stable and the old attributes', async (t) => {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const run = await runCli(['node', fixture('client-server.mjs')], {
    env: receiverEnv(receiver, { OTEL_SEMCONV_STABILITY_OPT_IN: 'http/dup' }),
  });
  assert.equal(run.code, 0, run.stderr);
  const { traceparent, port } = JSON.parse(run.stdout);

  const spans = await spansOfRun(receiver, 2);
  // GET (CLIENT)          span names stay stable-style
  // └─ GET (SERVER)
  assert.equal(drawTree(spans), 'GET (CLIENT)\n└─ GET (SERVER)');
  const client = spans.find((s) => s.kind === 'CLIENT');
  const server = spans.find((s) => s.kind === 'SERVER');
  const url = `http://127.0.0.1:${port}/orders?id=7`;
  assert.deepEqual(client.attributes, {
    // stable
    'http.request.method': 'GET',
    'url.full': url,
    'server.address': '127.0.0.1',
    'server.port': port,
    'network.protocol.version': '1.1',
    'http.response.status_code': 200,
    // old
    'http.method': 'GET',
    'http.url': url,
    'http.target': '/orders?id=7',
    'http.host': `127.0.0.1:${port}`,
    'http.user_agent': 'node',
    'http.flavor': '1.1',
    'http.status_code': 200,
    'http.response_content_length': Buffer.byteLength(traceparent),
    'net.transport': 'ip_tcp',
    'net.peer.name': '127.0.0.1',
    'net.peer.port': port,
    'net.peer.ip': '127.0.0.1',
  });

  const peerPort = server.attributes['network.peer.port'];
  assert.equal(typeof peerPort, 'number');
  assert.deepEqual(server.attributes, {
    // stable
    'http.request.method': 'GET',
    'url.path': '/orders',
    'url.query': 'id=7',
    'url.scheme': 'http',
    'server.address': '127.0.0.1',
    'server.port': port,
    'client.address': '127.0.0.1',
    'network.peer.address': '127.0.0.1',
    'network.peer.port': peerPort,
    'network.protocol.version': '1.1',
    'user_agent.original': 'node',
    'http.response.status_code': 200,
    // old (no http.client_ip: no proxy header; no content length: a GET has no body)
    'http.method': 'GET',
    'http.scheme': 'http',
    'http.target': '/orders?id=7',
    'http.host': `127.0.0.1:${port}`,
    'http.url': url,
    'http.user_agent': 'node',
    'http.flavor': '1.1',
    'http.status_code': 200,
    'net.transport': 'ip_tcp',
    'net.host.name': '127.0.0.1',
    'net.host.ip': '127.0.0.1',
    'net.host.port': port,
    'net.peer.ip': '127.0.0.1',
    'net.peer.port': peerPort,
  });
});

test('OTEL_SEMCONV_STABILITY_OPT_IN unset: fetch CLIENT spans have only the stable attributes', async (t) => {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const run = await runCli(['node', fixture('client-server.mjs')], { env: receiverEnv(receiver) });
  assert.equal(run.code, 0, run.stderr);
  const { port } = JSON.parse(run.stdout);
  const spans = await spansOfRun(receiver, 2);
  const client = spans.find((s) => s.kind === 'CLIENT');
  assert.deepEqual(Object.keys(client.attributes).sort(), [
    'http.request.method',
    'http.response.status_code',
    'network.protocol.version',
    'server.address',
    'server.port',
    'url.full',
  ]);
  assert.equal(client.attributes['server.port'], port);
  const server = spans.find((s) => s.kind === 'SERVER');
  for (const key of ['http.method', 'http.url', 'http.target', 'net.peer.ip', 'net.host.port', 'http.status_code']) {
    assert.equal(server.attributes[key], undefined, key);
  }
});

test('OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS=GET,PURGE: a fetch PURGE keeps its method, a POST becomes _OTHER', async (t) => {
  const { receiver, target } = await setUp(t);
  const run = await runCli(['node', fixture('methods.mjs')], {
    env: receiverEnv(receiver, { TARGET_URL: target.url, OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS: 'GET,PURGE' }),
  });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout.trim(), '[200,200]');
  const spans = await spansOfRun(receiver, 2);
  // PURGE (CLIENT)
  // HTTP (CLIENT)    POST, no longer a known method
  assert.equal(drawTree(spans), 'PURGE (CLIENT)\nHTTP (CLIENT)');
  const byUrl = (method) => spans.find((s) => s.attributes['url.full'] === `${target.url}/status/200?method=${method}`);
  assert.equal(byUrl('PURGE').name, 'PURGE');
  assert.equal(byUrl('PURGE').attributes['http.request.method'], 'PURGE');
  assert.equal(byUrl('PURGE').attributes['http.request.method_original'], undefined);
  assert.equal(byUrl('POST').name, 'HTTP');
  assert.equal(byUrl('POST').attributes['http.request.method'], '_OTHER');
  assert.equal(byUrl('POST').attributes['http.request.method_original'], 'POST');
  assert.deepEqual(target.received.map((r) => r.method), ['PURGE', 'POST'], 'the methods sent are unchanged');
});
