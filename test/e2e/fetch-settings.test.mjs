// The settings the fetch instrumentation honours, one test per variable, plus url.full redaction
// and an unknown method.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startReceiver } from '../helpers/otlp-receiver.mjs';
import { runCli, receiverEnv, FIXTURES } from '../helpers/run-cli.mjs';
import { drawTree } from '../helpers/trace-tree.mjs';
import { startTargetServer } from '../fixtures/fetch/target-server.mjs';
import { spansOfRun } from '../fixtures/fetch/spans-of-run.mjs';

const fixture = (name) => join(FIXTURES, 'fetch', name);
const APP_TRACEPARENT = '00-11111111111111111111111111111111-2222222222222222-01';

async function setUp(t) {
  const receiver = await startReceiver();
  const target = await startTargetServer();
  t.after(() => Promise.all([receiver.close(), target.close()]));
  return { receiver, target };
}

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
